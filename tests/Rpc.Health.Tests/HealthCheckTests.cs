using Rpc.Health.V1;
using ServingStatus = Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Rpc.Health.Tests;

public sealed class HealthCheckTests
{
    private const int TimeoutMs = 30_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task Check_WholeServer_IsServingByDefault()
    {
        await using var host = await HealthTestHost.StartAsync();

        var response = await host.Client.CheckAsync(new HealthCheckRequest(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Check_UnknownService_FailsWithNotFound()
    {
        await using var host = await HealthTestHost.StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await host.Client.CheckAsync(new HealthCheckRequest { Service = "pkg.Missing" }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("pkg.Missing", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Check_AfterSetAndClear_FollowsTheTable()
    {
        await using var host = await HealthTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var request = new HealthCheckRequest { Service = "pkg.Foo" };

        host.Health.SetStatus("pkg.Foo", ServingStatus.NotServing);
        var notServing = await host.Client.CheckAsync(request, cancellationToken: ct);
        host.Health.SetStatus("pkg.Foo", ServingStatus.Serving);
        var serving = await host.Client.CheckAsync(request, cancellationToken: ct);
        host.Health.ClearStatus("pkg.Foo");
        var cleared = await Assert.ThrowsAsync<RpcException>(async () => await host.Client.CheckAsync(request, cancellationToken: ct));

        Assert.Equal(ServingStatus.NotServing, notServing.Status);
        Assert.Equal(ServingStatus.Serving, serving.Status);
        Assert.Equal(StatusCode.NotFound, cleared.StatusCode);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Check_OverGrpcWeb_AnswersLikeGrpc()
    {
        await using var host = await HealthTestHost.StartAsync();
        host.Health.SetStatus("pkg.Foo", ServingStatus.NotServing);

        var response = await host.WebClient.CheckAsync(new HealthCheckRequest { Service = "pkg.Foo" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ServingStatus.NotServing, response.Status);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task List_WithServices_ReturnsEveryStatusIncludingTheServer()
    {
        await using var host = await HealthTestHost.StartAsync();
        host.Health.SetStatus("pkg.Foo", ServingStatus.Serving);
        host.Health.SetStatus("pkg.Bar", ServingStatus.NotServing);

        var response = await host.Client.ListAsync(new HealthListRequest(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(
            [(string.Empty, ServingStatus.Serving), ("pkg.Bar", ServingStatus.NotServing), ("pkg.Foo", ServingStatus.Serving)],
            response.Statuses.Select(pair => (pair.Key, pair.Value.Status)).OrderBy(pair => pair.Key, StringComparer.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task List_MoreServicesThanTheLimit_FailsWithResourceExhausted()
    {
        await using var host = await HealthTestHost.StartAsync();
        // The whole-server entry is one; this makes one past the limit.
        for (var i = 0; i < HealthServiceImpl.MaxListedServices; i++)
        {
            host.Health.SetStatus($"pkg.Service{i}", ServingStatus.Serving);
        }

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await host.Client.ListAsync(new HealthListRequest(), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public void SetStatus_ServiceUnknown_IsRejected()
    {
        var health = new HealthServiceImpl();

        Assert.Throws<ArgumentException>(() => health.SetStatus("pkg.Foo", ServingStatus.ServiceUnknown));
    }
}
