using System.Globalization;
using System.Text;
using DevServer.Benchmarks.Load;
using DevServer.Testing;

namespace DevServer.Benchmarks.Report;

/// <summary>
/// The printed result: Markdown tables (so a run pastes straight into docs/benchmarks.md) of each figure per
/// contender, the ratios against the targets with PASS/BELOW, and the servers' memory.
/// </summary>
internal sealed class ResultTable(
    BenchFlags flags,
    Payloads payloads,
    MachineSnapshot before,
    MachineSnapshot after,
    RunResults results,
    IReadOnlyDictionary<Contender, ProcessMemory> memory,
    IReadOnlyDictionary<Contender, string> gcModes)
{
    private const double GrpcJsTarget = 2.0;
    private const double RawTarget = 0.70;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private readonly StringBuilder _text = new();

    public static string ProgressLine(int round, int rounds, LoadMode mode, Contender contender, Measurement m)
    {
        var unit = mode == LoadMode.Unary ? "calls/s" : "msgs/s";
        var label = round == 0 ? "[priming]  " : Format($"[round {round}/{rounds}]");
        var line = new StringBuilder(Format($"{label} {ModeName(mode),-9} {Name(contender),-14} {m.PerSecond,10:N0} {unit}"));
        if (m.P50Milliseconds is { } p50 && m.P99Milliseconds is { } p99)
        {
            line.Append(Format($"  p50 {p50:F2} ms  p99 {p99:F2} ms"));
        }

        if (m.Costs is { } costs)
        {
            line.Append(Format($"  cpu {costs.ClientCpuMicroseconds:F2}+{costs.ServerCpuMicroseconds:F2} µs/op  alloc {Number(costs.ClientBytes, "F0")}+{Number(costs.ServerBytes, "F0")} B/op  gc pause {costs.ClientGc.PausePercent:F1}+{costs.ServerGc.PausePercent:F1} %  connections {costs.Connections}"));
        }

        if (m.Errors > 0)
        {
            line.Append(Format($"  ERRORS {m.Errors}: {m.FirstError}"));
        }

        return line.ToString();
    }

    public string Render()
    {
        var shape = flags.Shape;
        Line("## rpc/ load benchmark");
        Line();
        Line(Format($"- machine: {before.Cores} cores, {before.Os}, {before.Runtime}"));
        Line(Format($"- load average (1/5/15 min): {before.LoadAverage ?? "n/a"} at the start, {after.LoadAverage ?? "n/a"} at the end"));
        Line(Format($"- load: one connection per contender, {shape.Concurrency} concurrent calls, {shape.Payload}-byte payloads each way; warm-up {shape.Warmup.TotalSeconds:F0} s, window {shape.Duration.TotalSeconds:F0} s, an uncounted priming round, then {flags.Rounds} round(s){(flags.Rounds > 1 ? ", medians shown" : string.Empty)}"));
        Line(Format($"- unary frames: request {payloads.UnaryRequestFrame.Length} B, response {payloads.UnaryResponseFrame.Length} B; streaming: {shape.StreamMessages} responses of {payloads.StreamResponseFrame.Length} B per call"));
        Line(Format($"- GC: load generators {Serving.ServerStats.DescribeGc()}{string.Concat(gcModes.Select(g => Format($"; {Name(g.Key)} server {g.Value}")))}"));
        Line("- CPU, allocations and garbage collections are sampled over the window in the .NET processes only (– for grpc-js); GC pause is the time the process was stopped for collections, as a share of the window");
        if (flags.Modes.Any(mode => results.Contenders.Any(c => results.Of(mode, c).Any(m => m.Costs is { Connections: not 1 }))))
        {
            Line("- WARNING: a measurement opened more or fewer than one connection; its figures do not have the intended shape");
        }

        Line();

        foreach (var mode in flags.Modes)
        {
            FiguresTable(mode);
        }

        if (flags.Rounds > 1)
        {
            RoundsTable();
        }

        RatiosTable();
        MemoryTable();
        return _text.ToString();
    }

    private void FiguresTable(LoadMode mode)
    {
        var contenders = results.Contenders;
        var per = mode == LoadMode.Unary ? "call" : "message";
        Line(mode == LoadMode.Unary
            ? Format($"### Unary (UnaryCall)")
            : Format($"### Server streaming (StreamingOutputCall, {flags.Shape.StreamMessages} responses per call)"));
        Line();
        Line("| figure | " + string.Join(" | ", contenders.Select(Name)) + " |");
        Line("|---|" + string.Concat(contenders.Select(_ => "--:|")));
        Row(mode == LoadMode.Unary ? "calls/s" : "messages/s", m => m.PerSecond, "N0");
        if (mode == LoadMode.Unary)
        {
            Row("p50 latency (ms)", m => m.P50Milliseconds, "F2");
            Row("p99 latency (ms)", m => m.P99Milliseconds, "F2");
        }

        // A streamed message costs well under a microsecond: two decimals there, one for calls.
        var cpu = mode == LoadMode.Unary ? "F1" : "F2";
        Row($"client CPU per {per} (µs)", m => m.Costs?.ClientCpuMicroseconds, cpu);
        Row($"server CPU per {per} (µs)", m => m.Costs?.ServerCpuMicroseconds, cpu);
        Row($"client + server CPU per {per} (µs)", m => m.Costs is { } c ? c.ClientCpuMicroseconds + c.ServerCpuMicroseconds : null, cpu);
        Row($"client allocations per {per} (B)", m => m.Costs?.ClientBytes, "F0");
        Row($"server allocations per {per} (B)", m => m.Costs?.ServerBytes, "F0");
        Row("client GC pause (% of the window)", m => m.Costs?.ClientGc.PausePercent, "F1");
        Row("server GC pause (% of the window)", m => m.Costs?.ServerGc.PausePercent, "F1");
        Row("client collections in the window", m => m.Costs?.ClientGc.Collections, "F0");
        Row("client gen2 collections in the window", m => m.Costs?.ClientGc.Gen2Collections, "F0");
        Row("server collections in the window", m => m.Costs?.ServerGc.Collections, "F0");
        Row("server gen2 collections in the window", m => m.Costs?.ServerGc.Gen2Collections, "F0");
        Row("connections opened", m => m.Costs?.Connections, "F0");
        Line("| errors | " + string.Join(" | ", contenders.Select(c => results.Of(mode, c).Sum(m => m.Errors).ToString(Invariant))) + " |");
        Line();

        var failures = contenders.SelectMany(c => results.Of(mode, c).Where(m => m.FirstError is not null).Select(m => (c, m.FirstError))).Distinct().ToList();
        foreach (var (contender, error) in failures)
        {
            Line(Format($"- {Name(contender)} error: {error}"));
        }

        if (failures.Count > 0)
        {
            Line();
        }

        void Row(string figure, Func<Measurement, double?> value, string format) =>
            Line(Format($"| {figure} | ") + string.Join(" | ", contenders.Select(c => Number(results.Median(mode, c, value), format))) + " |");
    }

    private void RoundsTable()
    {
        var contenders = results.Contenders;
        Line("### Each round (calls/s for unary, messages/s for streaming)");
        Line();
        var columns = flags.Modes.SelectMany(mode => contenders.Select(c => (mode, c))).ToList();
        Line("| round | " + string.Join(" | ", columns.Select(x => Format($"{ModeName(x.mode)} {Name(x.c)}"))) + " |");
        Line("|--:|" + string.Concat(columns.Select(_ => "--:|")));
        for (var round = 0; round < flags.Rounds; round++)
        {
            var index = round;
            Line(Format($"| {round + 1} | ") + string.Join(" | ", columns.Select(x => results.Of(x.mode, x.c) is { } list && index < list.Count ? Number(list[index].PerSecond, "N0") : "–")) + " |");
        }

        Line();
    }

    private void RatiosTable()
    {
        var rows = new List<string>();
        foreach (var mode in flags.Modes)
        {
            var figure = mode == LoadMode.Unary ? "calls/s" : "messages/s";
            var ours = results.Median(mode, Contender.Ours, m => m.PerSecond);
            var grpcJs = results.Median(mode, Contender.GrpcJs, m => m.PerSecond);
            var raw = results.Median(mode, Contender.Raw, m => m.PerSecond);
            if (ours is { } o && grpcJs is { } g && g > 0)
            {
                var ratio = o / g;
                rows.Add(Format($"| {ModeName(mode)}: ours / grpc-js ({figure}) | {ratio:F2}× | ≥ {GrpcJsTarget:F1}× | {Verdict(ratio >= GrpcJsTarget)} |"));
            }

            if (ours is { } o2 && raw is { } r && r > 0)
            {
                var ratio = o2 / r;
                // One decimal: a ratio of 69.6 % printed as "70 %" next to BELOW read as a contradiction.
                rows.Add(Format($"| {ModeName(mode)}: ours / raw Kestrel ({figure}) | {ratio * 100:F1} % | ≥ {RawTarget * 100:F0} % | {Verdict(ratio >= RawTarget)} |"));
            }

            // Where the gap to raw goes: protobuf (raw + protobuf against raw) and the runtime (ours against it).
            var rawProtobuf = results.Median(mode, Contender.RawProtobuf, m => m.PerSecond);
            if (rawProtobuf is { } rp && rp > 0)
            {
                if (raw is { } r2 && r2 > 0)
                {
                    rows.Add(Format($"| {ModeName(mode)}: raw + protobuf / raw Kestrel ({figure}): what protobuf messages alone cost | {rp / r2 * 100:F0} % | – | info |"));
                }

                if (ours is { } o3)
                {
                    rows.Add(Format($"| {ModeName(mode)}: ours / raw + protobuf ({figure}): what the runtime costs beyond them | {o3 / rp * 100:F0} % | – | info |"));
                }
            }

            var oursCpu = results.Median(mode, Contender.Ours, TotalCpu);
            var rawCpu = results.Median(mode, Contender.Raw, TotalCpu);
            if (oursCpu is { } oc && rawCpu is { } rc && oc > 0)
            {
                rows.Add(Format($"| {ModeName(mode)}: raw CPU / ours CPU per operation (client + server) | {rc / oc * 100:F0} % | – | info |"));
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        Line("### Ratios");
        Line();
        Line("| ratio | measured | target | |");
        Line("|---|--:|--:|---|");
        foreach (var row in rows)
        {
            Line(row);
        }

        Line();

        static double? TotalCpu(Measurement m) => m.Costs is { } c ? c.ClientCpuMicroseconds + c.ServerCpuMicroseconds : null;
    }

    private void MemoryTable()
    {
        Line("### Server processes at the end (resident set)");
        Line();
        Line("| server | now (MiB) | peak (MiB) |");
        Line("|---|--:|--:|");
        foreach (var contender in results.Contenders)
        {
            if (memory.TryGetValue(contender, out var m))
            {
                Line(Format($"| {Name(contender)} | {m.ResidentSet / 1048576.0:F1} | {m.PeakResidentSet / 1048576.0:F1} |"));
            }
        }

        Line();
    }

    private static string Verdict(bool met) => met ? "PASS" : "BELOW";

    private static string Number(double? value, string format) => value is { } v ? v.ToString(format, Invariant) : "–";

    private static string Name(Contender contender) => contender switch
    {
        Contender.Ours => "ours",
        Contender.GrpcJs => "grpc-js",
        Contender.RawProtobuf => "raw + protobuf",
        _ => "raw Kestrel",
    };

    private static string ModeName(LoadMode mode) => mode == LoadMode.Unary ? "unary" : "streaming";

    private static string Format(FormattableString text) => text.ToString(Invariant);

    private void Line(string text = "") => _text.Append(text).Append('\n');
}
