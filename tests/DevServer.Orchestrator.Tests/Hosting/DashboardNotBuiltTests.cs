using System.Net;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Rpc.Client;
using Rpc.Health.V1;
using Rpc.Wire;
using HealthClient = Rpc.Health.V1.Health.HealthClient;
using ServingStatus = Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>The orchestrator's web port when no dashboard build is found.</summary>
public sealed class DashboardNotBuiltTests
{
    private const int TimeoutMs = 60_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task Get_Root_NoBuild_ExplainsHowToBuildItAndWarnsOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        using var empty = new TestDirectory();
        await using var host = await DashboardHost.StartAsync(distPath: null, baseDirectory: empty.Path, ct);

        using var root = await host.Http.GetAsync("/", ct);
        using var route = await host.Http.GetAsync("/tasks/4", ct);
        var page = await root.Content.ReadAsStringAsync(ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, root.StatusCode);
        Assert.Equal("text/html", root.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not built", page, StringComparison.Ordinal);
        Assert.Contains("npm ci", page, StringComparison.Ordinal);
        Assert.Contains("npm run build", page, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(empty.Path, "wwwroot"), page, StringComparison.Ordinal);
        Assert.Equal("nosniff", string.Join(",", root.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, route.StatusCode);
        var warning = Assert.Single(host.Logs.Entries, entry => entry.Level >= LogLevel.Warning);
        Assert.Contains("npm run build", warning.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GrpcWebCall_NoBuild_StillAnswers()
    {
        var ct = TestContext.Current.CancellationToken;
        using var empty = new TestDirectory();
        await using var host = await DashboardHost.StartAsync(distPath: null, baseDirectory: empty.Path, ct);
        using var channel = RpcChannel.ForAddress(host.WebAddress, new RpcChannelOptions { WireFormat = GrpcWireFormat.Web });

        var reply = await new HealthClient(channel).CheckAsync(new HealthCheckRequest(), cancellationToken: ct);

        Assert.Equal(ServingStatus.Serving, reply.Status);
    }
}

/// <summary>The built orchestrator refusing a dashboard folder that holds no build.</summary>
public sealed class DashboardStartupTests
{
    private const int TimeoutMs = 90_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task Start_DistPathWithoutIndex_ExitsNonZeroNamingTheSetting()
    {
        await using var data = new OrchestratorDataDirectory();
        using var empty = new TestDirectory();
        await using var process = OrchestratorProcess.Launch(data, $"--Orchestrator:Web:DistPath={empty.Path}");

        var result = await process.WaitForExitAsync(OrchestratorProcess.StartTimeout, TestContext.Current.CancellationToken);

        Assert.False(result.TimedOut, result.ToString());
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Orchestrator:Web:DistPath '{empty.Path}' has no index.html", result.StandardError, StringComparison.Ordinal);
    }
}
