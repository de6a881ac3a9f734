using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using Rpc;
using Rpc.Health.V1;
using Rpc.Reflection.V1;
using HealthClient = Rpc.Health.V1.Health.HealthClient;

namespace DevServer.Orchestrator.Tests.Auth;

/// <summary>The built orchestrator, started on an empty data directory: its tokens, and who may call what.</summary>
public sealed class OrchestratorAuthenticationTests(OrchestratorFixture orchestrator) : IClassFixture<OrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    [Fact(Timeout = TimeoutMs)]
    public void FirstStart_WritesTokenFilesOnlyTheOwnerCanRead()
    {
        var data = orchestrator.Orchestrator.Data.Path;

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "admin.token")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "worker.token")));
        Assert.StartsWith("dsa_", orchestrator.AdminToken, StringComparison.Ordinal);
        Assert.StartsWith("dsw_", orchestrator.WorkerToken, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Reflection_NoToken_Unauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => ReadFirstAnswerAsync(orchestrator.Channel.CreateCallInvoker()));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("missing bearer token", error.Status.Detail);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Reflection_UnknownToken_Unauthenticated()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            ReadFirstAnswerAsync(orchestrator.Channel.CreateCallInvoker().WithBearerToken(orchestrator.AdminToken + "x")));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("unknown or revoked token", error.Status.Detail);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Reflection_WorkerToken_PermissionDenied()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            ReadFirstAnswerAsync(orchestrator.Channel.CreateCallInvoker().WithBearerToken(orchestrator.WorkerToken)));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Reflection_AdminToken_Answers()
    {
        var services = await ListServicesAsync(orchestrator.AdminInvoker);

        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Health_NoTokenOverBothEndpoints_Serving()
    {
        var ct = TestContext.Current.CancellationToken;

        var h2c = await new HealthClient(orchestrator.Channel).CheckAsync(new HealthCheckRequest(), cancellationToken: ct);
        var web = await new HealthClient(orchestrator.WebChannel).CheckAsync(new HealthCheckRequest(), cancellationToken: ct);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, h2c.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, web.Status);
    }

    /// <summary>
    /// Opens the reflection stream and reads before writing: a refused call is answered from its headers alone. (A
    /// write racing the server's early refusal can end INTERNAL or hang in Rpc.Client; that is not under test here.)
    /// </summary>
    private static async Task ReadFirstAnswerAsync(CallInvoker invoker)
    {
        var ct = TestContext.Current.CancellationToken;
        using var call = new ServerReflection.ServerReflectionClient(invoker).ServerReflectionInfo(cancellationToken: ct);
        await call.ResponseStream.MoveNext(ct);
    }

    private static async Task<List<string>> ListServicesAsync(CallInvoker invoker)
    {
        var ct = TestContext.Current.CancellationToken;
        using var call = new ServerReflection.ServerReflectionClient(invoker).ServerReflectionInfo(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "*" }, ct);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(ct), "The reflection stream ended without an answer.");
        return call.ResponseStream.Current.ListServicesResponse.Service.Select(service => service.Name).ToList();
    }
}
