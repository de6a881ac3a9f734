using DevServer.Contracts.Repositories.V1;
using DevServer.Orchestrator.Tests.Infrastructure;
using Rpc.Client;
using Rpc.Interceptors;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>A call to an orchestrator process that has exited fails with its exit code and output, not a bare "Connection refused".</summary>
public sealed class ExitedOrchestratorInterceptorTests
{
    private const int TimeoutMs = 120_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task UnaryCall_OrchestratorExited_FailureNamesTheExitCodeAndOutput()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var orchestrator = await OrchestratorProcess.StartAsync(ct);
        using var channel = RpcChannel.ForAddress(orchestrator.GrpcAddress);
        var repositories = new RepositoryService.RepositoryServiceClient(channel.CreateCallInvoker()
            .WithBearerToken(orchestrator.Data.ReadAdminToken())
            .Intercept(new ExitedOrchestratorInterceptor(orchestrator)));
        await repositories.ListRepositoriesAsync(new ListRepositoriesRequest(), cancellationToken: ct);

        var stopped = await orchestrator.Process.TerminateAsync(TimeSpan.FromSeconds(60), ct);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await repositories.ListRepositoriesAsync(new ListRepositoriesRequest(), cancellationToken: ct));

        Assert.Equal(0, stopped.ExitCode);
        Assert.Contains("The orchestrator process has exited (exit code 0)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("DevServer orchestrator: gRPC (h2c) on", failure.Message, StringComparison.Ordinal);
    }
}
