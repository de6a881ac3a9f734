using DevServer.Benchmarks.Load;
using DevServer.Benchmarks.Peers;
using DevServer.Benchmarks.Report;

namespace DevServer.Benchmarks;

/// <summary>
/// One benchmark run: start the servers, prime them (round 0, not counted), measure unary then streaming for each
/// contender in a fixed order, repeat for every round, then print the medians, the ratios against the targets and
/// the servers' memory.
/// </summary>
internal static class BenchmarkRun
{
    public static async Task<int> RunAsync(BenchFlags flags, CancellationToken cancellationToken)
    {
        var shape = flags.Shape;
        var payloads = new Payloads(shape.Payload, shape.StreamMessages);
        var machine = MachineSnapshot.Take();
        var results = new RunResults(flags.Only);

        // Each measurement takes warm-up + window plus start-up and drain; the servers get ample room beyond that.
        var perMeasurement = shape.Warmup + shape.Duration + TimeSpan.FromSeconds(30);
        var maxRunTime = (perMeasurement * ((flags.Rounds + 1) * flags.Modes.Count * flags.Only.Count)) + TimeSpan.FromMinutes(5);

        var servers = new List<ServerPeer>();
        try
        {
            foreach (var contender in flags.Only)
            {
                servers.Add(await ServerPeer.StartAsync(contender, flags, maxRunTime, cancellationToken));
            }

            // Round 0 primes every server and the benchmark's own clients, uncounted: without it the first
            // measurement of a .NET contender still ran partly on tier-0 code (ours, measured first, most of all).
            var priming = shape with { Duration = shape.Warmup > TimeSpan.FromSeconds(1) ? shape.Warmup : TimeSpan.FromSeconds(1), Warmup = TimeSpan.Zero };
            for (var round = 0; round <= flags.Rounds; round++)
            {
                foreach (var mode in flags.Modes)
                {
                    foreach (var server in servers)
                    {
                        var measurement = await MeasureAsync(server, mode, round == 0 ? priming : shape, payloads, flags, cancellationToken);
                        if (round > 0)
                        {
                            results.Add(mode, server.Contender, measurement);
                        }

                        await Console.Error.WriteLineAsync(ResultTable.ProgressLine(round, flags.Rounds, mode, server.Contender, measurement));
                    }
                }
            }

            var memory = servers.ToDictionary(s => s.Contender, s => s.ReadMemory());
            var gcModes = new Dictionary<Contender, string>();
            foreach (var server in servers)
            {
                if (await server.StatsAsync(cancellationToken) is { } stats)
                {
                    gcModes[server.Contender] = stats.GcMode;
                }
            }

            var report = new ResultTable(flags, payloads, machine, MachineSnapshot.Take(), results, memory, gcModes);
            await Console.Out.WriteAsync(report.Render());
            return results.HasErrors ? 1 : 0;
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static Task<Measurement> MeasureAsync(ServerPeer server, LoadMode mode, LoadShape shape, Payloads payloads, BenchFlags flags, CancellationToken cancellationToken) =>
        server.Contender switch
        {
            Contender.Ours => OursLoad.RunAsync(mode, server, shape, payloads, cancellationToken),
            Contender.GrpcJs => GrpcJsLoad.RunAsync(mode, server, shape, flags, cancellationToken),
            _ => RawLoad.RunAsync(mode, server, shape, payloads, cancellationToken),
        };
}
