using System.Diagnostics;
using DevServer.Benchmarks.Peers;
using DevServer.Benchmarks.Serving;

namespace DevServer.Benchmarks.Load;

/// <summary>CPU time and allocations per operation (call or streamed message) on each side, over the measured window.</summary>
/// <param name="ClientCpuMicroseconds">Client process CPU per operation (the benchmark process; only the load runs there).</param>
/// <param name="ClientBytes">Bytes the client process allocated per operation; null when the counter went backwards.</param>
/// <param name="ServerCpuMicroseconds">Server process CPU per operation.</param>
/// <param name="ServerBytes">Bytes the server process allocated per operation; null when the counter went backwards.</param>
/// <param name="Connections">Connections the load opened to the server (the target is exactly 1).</param>
/// <param name="ClientGc">The client process's collections in the window.</param>
/// <param name="ServerGc">The server process's collections in the window.</param>
internal sealed record Costs(
    double ClientCpuMicroseconds,
    double? ClientBytes,
    double ServerCpuMicroseconds,
    double? ServerBytes,
    long Connections,
    WindowGc ClientGc,
    WindowGc ServerGc);

/// <summary>One process's garbage collections over the measured window.</summary>
/// <param name="Collections">Collections of any generation.</param>
/// <param name="Gen2Collections">Of them, full (gen2) collections.</param>
/// <param name="PausePercent">Time the process's threads were paused for them, as a share of the window.</param>
internal sealed record WindowGc(int Collections, int Gen2Collections, double PausePercent)
{
    public static WindowGc Between(GcTotals start, GcTotals end, TimeSpan window)
    {
        var delta = end - start;
        return new WindowGc(delta.Collections, delta.Gen2Collections, window > TimeSpan.Zero ? 100 * delta.Pause / window : 0);
    }
}

/// <summary>
/// Samples both processes around a measurement: before the load starts (connection baseline) and at both ends of the
/// window. CPU per operation is the steadier figure on a loaded machine: throughput drops whenever other processes
/// take the cores, while the work a call costs moves less (contention still raises it somewhat).
/// </summary>
internal sealed class CostMeter(ServerPeer server)
{
    private ServerStats? _baseline;
    private ServerStats? _serverOpen;
    private ServerStats? _serverClosed;
    private ClientSample _clientOpen;
    private ClientSample _clientClosed;

    public async Task BeginAsync(CancellationToken cancellationToken) => _baseline = await server.StatsAsync(cancellationToken);

    public async Task WindowOpeningAsync(CancellationToken cancellationToken)
    {
        _serverOpen = await server.StatsAsync(cancellationToken);
        _clientOpen = SampleClient();
    }

    public async Task WindowClosedAsync(CancellationToken cancellationToken)
    {
        _clientClosed = SampleClient();
        _serverClosed = await server.StatsAsync(cancellationToken);
    }

    public Costs? PerOperation(long operations)
    {
        if (operations <= 0 || _baseline is not { } baseline || _serverOpen is not { } open || _serverClosed is not { } closed)
        {
            return null;
        }

        // Both processes are sampled within a few milliseconds of each other; the client's clock times the window.
        var window = Stopwatch.GetElapsedTime(_clientOpen.Timestamp, _clientClosed.Timestamp);
        return new Costs(
            (_clientClosed.Cpu - _clientOpen.Cpu).TotalMicroseconds / operations,
            BytesPerOperation(_clientClosed.Allocated - _clientOpen.Allocated, operations),
            (closed.ProcessorTime - open.ProcessorTime).TotalMicroseconds / operations,
            BytesPerOperation(closed.AllocatedBytes - open.AllocatedBytes, operations),
            // The stats requests themselves ride on the connection opened before the baseline.
            closed.Connections - baseline.Connections,
            WindowGc.Between(_clientOpen.Gc, _clientClosed.Gc, window),
            WindowGc.Between(open.Gc, closed.Gc, window));
    }

    /// <summary>
    /// Under Server GC with DATAS (the .NET 10 default) GC.GetTotalAllocatedBytes sums only the heaps active at the
    /// moment, so it drops when DATAS retires a heap (dotnet/runtime#131069; seen here on 10.0.12). A window with a
    /// heap-count change gives a wrong figure; the negative ones are recognisable and left out of the medians.
    /// </summary>
    private static double? BytesPerOperation(long allocated, long operations) =>
        allocated < 0 ? null : (double)allocated / operations;

    private static ClientSample SampleClient() =>
        new(Environment.CpuUsage.TotalTime, GC.GetTotalAllocatedBytes(precise: true), GcTotals.Sample(), Stopwatch.GetTimestamp());

    private readonly record struct ClientSample(TimeSpan Cpu, long Allocated, GcTotals Gc, long Timestamp);
}
