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
/// <param name="GcMode">The GC the process runs with, e.g. "Server GC (concurrent)".</param>
internal sealed record ServerStats(long AllocatedBytes, TimeSpan ProcessorTime, long Connections, string GcMode)
{
    public const string Path = "/bench/stats";

    public static string DescribeGc() =>
        (GCSettings.IsServerGC ? "Server GC" : "Workstation GC") + (GCSettings.LatencyMode == GCLatencyMode.Batch ? " (non-concurrent)" : " (concurrent)");

    public static ServerStats Sample(long connections) =>
        new(GC.GetTotalAllocatedBytes(precise: true), Environment.CpuUsage.TotalTime, connections, DescribeGc());

    public string Format() => string.Create(
        CultureInfo.InvariantCulture,
        $"{AllocatedBytes} {ProcessorTime.Ticks} {Connections} {GcMode}");

    public static ServerStats Parse(string text)
    {
        var parts = text.Split(' ', 4);
        return parts.Length == 4
            ? new ServerStats(
                long.Parse(parts[0], CultureInfo.InvariantCulture),
                TimeSpan.FromTicks(long.Parse(parts[1], CultureInfo.InvariantCulture)),
                long.Parse(parts[2], CultureInfo.InvariantCulture),
                parts[3])
            : throw new FormatException($"Not a stats line: '{text}'.");
    }
}
