using System.Diagnostics;
using DevServer.Contracts;
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
        await using var cluster = await TestCluster.StartAsync(ct);
        await using var orchestrator = await OrchestratorProcess.StartAsync(ct, $"--Orchestrator:Database:ConnectionString={cluster.ConnectionString("health-test")}");
        using var channel = RpcChannel.ForAddress(orchestrator.GrpcAddress);
        var health = await ServingHealthAsync(channel, ct);

        await cluster.Server.StopAsync(ct);
        await WaitForStatusAsync(health, ServingStatus.NotServing, ct);
        Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, HealthServiceNames.Database, ct));

        await cluster.Server.StartAsync(ct);
        await WaitForStatusAsync(health, ServingStatus.Serving, ct);
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, HealthServiceNames.Database, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Health_DatabaseHangs_NotServingWithinTheProbesLimitThenServingWhenItAnswersAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(ct);
        await using var orchestrator = await OrchestratorProcess.StartAsync(ct, $"--Orchestrator:Database:ConnectionString={cluster.ConnectionString("health-test")}");
        using var channel = RpcChannel.ForAddress(orchestrator.GrpcAddress);
        var health = await ServingHealthAsync(channel, ct);

        // The orchestrator's pool holds open connections to the hung server. Before the probe enforced its own limit it
        // took about a minute to notice.
        await using (var frozen = await FrozenServer.FreezeAsync(cluster.PidFile, ct))
        {
            await WaitForStatusAsync(health, ServingStatus.NotServing, ct);
            Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, HealthServiceNames.Database, ct));
        }

        await WaitForStatusAsync(health, ServingStatus.Serving, ct);
    }

    /// <summary>The orchestrator's health client, once it reports itself serving.</summary>
    private static async Task<HealthClient> ServingHealthAsync(RpcChannel channel, CancellationToken cancellationToken)
    {
        var health = new HealthClient(channel);
        Assert.Equal(ServingStatus.Serving, await StatusAsync(health, "", cancellationToken));
        return health;
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
