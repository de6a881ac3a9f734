using System.Diagnostics;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using Rpc.Client;
using Rpc.Health.V1;
using HealthClient = Rpc.Health.V1.Health.HealthClient;
using ServingStatus = Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace DevServer.Orchestrator.Tests.Data;

/// <summary>The built orchestrator's health while its external database server stops and starts again.</summary>
public sealed class DatabaseHealthTests
{
    private const int TimeoutMs = 180_000;

    /// <summary>The reporter probes every 5 s; a probe times out after 3 s.</summary>
    private static readonly TimeSpan NoticeWithin = TimeSpan.FromSeconds(20);

    [Fact(Timeout = TimeoutMs)]
    public async Task Health_DatabaseStopsAndStartsAgain_NotServingThenServing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TestDirectory();
        var cluster = Clusters.Create(Clusters.Options(folder.Path));
        await cluster.StartAsync(ct);
        try
        {
            var connectionString = cluster.Options.ConnectionString(EmbeddedPostgres.Database, 10, "health-test");
            await using var orchestrator = await OrchestratorProcess.StartAsync(ct, $"--Orchestrator:Database:ConnectionString={connectionString}");
            using var channel = RpcChannel.ForAddress(orchestrator.GrpcAddress);
            var health = new HealthClient(channel);
            Assert.Equal(ServingStatus.Serving, await StatusAsync(health, "", ct));

            await cluster.StopAsync(ct);
            await WaitForStatusAsync(health, ServingStatus.NotServing, ct);
            Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, DatabaseHealthReporter.ServiceName, ct));

            await cluster.StartAsync(ct);
            await WaitForStatusAsync(health, ServingStatus.Serving, ct);
            Assert.Equal(ServingStatus.Serving, await StatusAsync(health, DatabaseHealthReporter.ServiceName, ct));
        }
        finally
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await cluster.StopAsync(stop.Token);
        }
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Health_DatabaseHangs_NotServingWithinTheProbesLimitThenServingWhenItAnswersAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TestDirectory();
        var cluster = Clusters.Create(Clusters.Options(folder.Path));
        await cluster.StartAsync(ct);
        try
        {
            var connectionString = cluster.Options.ConnectionString(EmbeddedPostgres.Database, 10, "health-test");
            await using var orchestrator = await OrchestratorProcess.StartAsync(ct, $"--Orchestrator:Database:ConnectionString={connectionString}");
            using var channel = RpcChannel.ForAddress(orchestrator.GrpcAddress);
            var health = new HealthClient(channel);
            Assert.Equal(ServingStatus.Serving, await StatusAsync(health, "", ct));

            // The orchestrator's pool holds open connections to the hung server. Before the probe enforced its own
            // limit it took about a minute to notice.
            await using (var frozen = await FrozenServer.FreezeAsync(Path.Combine(cluster.Options.ClusterDirectory, "postmaster.pid"), ct))
            {
                await WaitForStatusAsync(health, ServingStatus.NotServing, ct);
                Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, DatabaseHealthReporter.ServiceName, ct));
            }

            await WaitForStatusAsync(health, ServingStatus.Serving, ct);
        }
        finally
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await cluster.StopAsync(stop.Token);
        }
    }

    private static async Task<ServingStatus> StatusAsync(HealthClient health, string service, CancellationToken cancellationToken) =>
        (await health.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: cancellationToken)).Status;

    private static async Task WaitForStatusAsync(HealthClient health, ServingStatus expected, CancellationToken cancellationToken)
    {
        var waiting = Stopwatch.StartNew();
        ServingStatus status;
        while ((status = await StatusAsync(health, "", cancellationToken)) != expected)
        {
            Assert.True(waiting.Elapsed < NoticeWithin, $"Health stayed {status} for {NoticeWithin.TotalSeconds} s; expected {expected}.");
            await Task.Delay(200, cancellationToken);
        }
    }
}
