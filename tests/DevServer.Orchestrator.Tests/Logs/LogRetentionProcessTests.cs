using DevServer.Contracts.Logs.V1;
using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using Rpc.Client;
using ProtoLogLevel = DevServer.Contracts.Logs.V1.LogLevel;

namespace DevServer.Orchestrator.Tests.Logs;

/// <summary>The retention job as the orchestrator schedules it (Quartz, clustered store), in the built program.</summary>
public sealed class LogRetentionProcessTests
{
    private const int TimeoutMs = 120_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task Orchestrator_RetentionOfThreeEntriesEverySecond_KeepsOnlyTheNewest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var orchestrator = await OrchestratorProcess.StartAsync(
            ct, "--Orchestrator:Logs:MaxEntries=3", "--Orchestrator:Logs:RetentionInterval=00:00:01");
        using var channel = RpcChannel.ForAddress(orchestrator.GrpcAddress);
        var logs = new LogService.LogServiceClient(channel.CreateCallInvoker().WithBearerToken(orchestrator.Data.ReadAdminToken()));

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(60));
        List<LogEntry> tail;
        while (true)
        {
            // Start-up alone writes more than three entries; the job must bring them down to three.
            using var watch = logs.WatchLogs(new WatchLogsRequest { Tail = 5000, MinLevel = ProtoLogLevel.Trace }, cancellationToken: bound.Token);
            tail = await LogStreams.ReadForAsync(watch, TimeSpan.FromMilliseconds(500), bound.Token);
            if (tail.Count is > 0 and <= 3 && tail[0].Position > 1)
            {
                break;
            }

            await Task.Delay(200, bound.Token);
        }

        Assert.All(tail, e => Assert.StartsWith("orchestrator ", e.Source, StringComparison.Ordinal));
    }
}
