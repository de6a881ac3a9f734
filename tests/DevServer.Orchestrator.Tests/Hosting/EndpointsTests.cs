using Rpc.Health.V1;
using Rpc.Reflection.V1;
using HealthClient = Rpc.Health.V1.Health.HealthClient;
using ServingStatus = Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>The running orchestrator's two endpoints, called with the runtime's own client.</summary>
public sealed class EndpointsTests(OrchestratorFixture orchestrator) : IClassFixture<OrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    [Fact(Timeout = TimeoutMs)]
    public void ReadyLine_PortsZero_NamesTwoDistinctLoopbackPorts()
    {
        var grpc = orchestrator.Orchestrator.GrpcAddress;
        var web = orchestrator.Orchestrator.WebAddress;

        Assert.Equal("127.0.0.1", grpc.Host);
        Assert.Equal("127.0.0.1", web.Host);
        Assert.NotEqual(0, grpc.Port);
        Assert.NotEqual(0, web.Port);
        Assert.NotEqual(grpc.Port, web.Port);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task HealthCheck_OverH2c_ReturnsServing()
    {
        var client = new HealthClient(orchestrator.Channel);

        var response = await client.CheckAsync(new HealthCheckRequest(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task HealthCheck_OverGrpcWebOnWebPort_ReturnsServing()
    {
        var client = new HealthClient(orchestrator.WebChannel);

        var response = await client.CheckAsync(new HealthCheckRequest(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListServices_OverH2cWithAdminToken_IncludesHealthAndReflection()
    {
        var ct = TestContext.Current.CancellationToken;
        using var call = new ServerReflection.ServerReflectionClient(orchestrator.AdminInvoker).ServerReflectionInfo(cancellationToken: ct);

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "*" }, ct);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(ct), $"The reflection stream ended without an answer.\n{orchestrator.Output}");
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(service => service.Name).ToList();
        var more = await call.ResponseStream.MoveNext(ct);

        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("grpc.reflection.v1.ServerReflection", services);
        Assert.False(more, "An answer nobody asked for.");
    }
}
