using System.Globalization;
using System.Runtime;

namespace DevServer.Benchmarks.Serving;

/// <summary>
/// What a .NET server reports about itself at <c>GET /bench/stats</c>, sampled around each measured window so that
/// the cost per call can be split between client and server.
/// </summary>
/// <param name="AllocatedBytes">Bytes allocated by the process so far (all threads).</param>
/// <param name="ProcessorTime">CPU time the process has used so far.</param>
/// <param name="Connections">Connections accepted so far on the benchmark endpoint.</param>
/// <param name="Gc">The process's garbage collections so far.</param>
/// <param name="GcMode">The GC the process runs with, e.g. "Server GC (concurrent)".</param>
internal sealed record ServerStats(long AllocatedBytes, TimeSpan ProcessorTime, long Connections, GcTotals Gc, string GcMode)
{
    public const string Path = "/bench/stats";

    public static string DescribeGc() =>
        (GCSettings.IsServerGC ? "Server GC" : "Workstation GC") + (GCSettings.LatencyMode == GCLatencyMode.Batch ? " (non-concurrent)" : " (concurrent)");

    public static ServerStats Sample(long connections) =>
        new(GC.GetTotalAllocatedBytes(precise: true), Environment.CpuUsage.TotalTime, connections, GcTotals.Sample(), DescribeGc());

    public string Format() => string.Create(
        CultureInfo.InvariantCulture,
        $"{AllocatedBytes} {ProcessorTime.Ticks} {Connections} {Gc.Collections} {Gc.Gen2Collections} {Gc.Pause.Ticks} {GcMode}");

    public static ServerStats Parse(string text)
    {
        var parts = text.Split(' ', 7);
        return parts.Length == 7
            ? new ServerStats(
                long.Parse(parts[0], CultureInfo.InvariantCulture),
                TimeSpan.FromTicks(long.Parse(parts[1], CultureInfo.InvariantCulture)),
                long.Parse(parts[2], CultureInfo.InvariantCulture),
                new GcTotals(
                    int.Parse(parts[3], CultureInfo.InvariantCulture),
                    int.Parse(parts[4], CultureInfo.InvariantCulture),
                    TimeSpan.FromTicks(long.Parse(parts[5], CultureInfo.InvariantCulture))),
                parts[6])
            : throw new FormatException($"Not a stats line: '{text}'.");
    }
}

/// <summary>A process's garbage collections so far: how many (all generations; of them gen2) and their total pause.</summary>
internal readonly record struct GcTotals(int Collections, int Gen2Collections, TimeSpan Pause)
{
    public static GcTotals Sample() => new(GC.CollectionCount(0), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public static GcTotals operator -(GcTotals end, GcTotals start) =>
        new(end.Collections - start.Collections, end.Gen2Collections - start.Gen2Collections, end.Pause - start.Pause);
}
