using Rpc.Health.V1;
using ServingStatus = Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Rpc.Health.Tests;

public sealed class HealthWatchTests
{
    private const int TimeoutMs = 30_000;
    private static readonly TimeSpan MessageTimeout = TimeSpan.FromSeconds(10);

    [Fact(Timeout = TimeoutMs)]
    public async Task Watch_KnownService_StreamsCurrentStatusThenEveryChange()
    {
        await using var host = await HealthTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        host.Health.SetStatus("pkg.Foo", ServingStatus.Serving);
        using var call = host.Client.Watch(new HealthCheckRequest { Service = "pkg.Foo" }, cancellationToken: ct);

        var initial = await NextAsync(call, ct);
        host.Health.SetStatus("pkg.Foo", ServingStatus.NotServing);
        var down = await NextAsync(call, ct);
        host.Health.SetStatus("pkg.Foo", ServingStatus.Serving);
        var up = await NextAsync(call, ct);
        host.Health.ClearStatus("pkg.Foo");
        var cleared = await NextAsync(call, ct);

        Assert.Equal(
            [ServingStatus.Serving, ServingStatus.NotServing, ServingStatus.Serving, ServingStatus.ServiceUnknown],
            [initial, down, up, cleared]);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Watch_UnknownService_StreamsServiceUnknownThenTheStatusOnceSet()
    {
        await using var host = await HealthTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        using var call = host.Client.Watch(new HealthCheckRequest { Service = "pkg.Later" }, cancellationToken: ct);

        var initial = await NextAsync(call, ct);
        host.Health.SetStatus("pkg.Later", ServingStatus.Serving);
        var registered = await NextAsync(call, ct);

        Assert.Equal(ServingStatus.ServiceUnknown, initial);
        Assert.Equal(ServingStatus.Serving, registered);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Watch_SameStatusSetAgain_SendsNothingNew()
    {
        await using var host = await HealthTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        using var call = host.Client.Watch(new HealthCheckRequest(), cancellationToken: ct);
        var initial = await NextAsync(call, ct);

        host.Health.SetStatus(string.Empty, ServingStatus.Serving);
        // Time for a wrongly pushed repeat to reach the client before the real change could replace it in the
        // watcher's one-slot queue.
        await Task.Delay(300, ct);
        host.Health.SetStatus(string.Empty, ServingStatus.NotServing);
        var next = await NextAsync(call, ct);

        Assert.Equal(ServingStatus.Serving, initial);
        Assert.Equal(ServingStatus.NotServing, next);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Watch_ClientCancels_CallEndsAndServerDropsTheWatcher()
    {
        await using var host = await HealthTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = host.Client.Watch(new HealthCheckRequest(), cancellationToken: cancel.Token);
        await NextAsync(call, ct);
        Assert.Equal(1, host.Health.WatcherCount);

        var pending = call.ResponseStream.MoveNext(CancellationToken.None);
        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => pending.WaitAsync(MessageTimeout, ct));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await WaitUntilAsync(() => host.Health.WatcherCount == 0, ct);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Watch_ServerStops_SendsNotServingThenEndsTheStream()
    {
        await using var host = await HealthTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        host.Health.SetStatus("pkg.Foo", ServingStatus.Serving);
        using var call = host.Client.Watch(new HealthCheckRequest { Service = "pkg.Foo" }, cancellationToken: ct);
        await NextAsync(call, ct);

        var stopping = host.StopAsync(ct);
        var last = await NextAsync(call, ct);
        var more = await call.ResponseStream.MoveNext(ct).WaitAsync(MessageTimeout, ct);
        // Well under the host's 20 s shutdown timeout: the watch did not hold the shutdown up.
        await stopping.WaitAsync(MessageTimeout, ct);

        Assert.Equal(ServingStatus.NotServing, last);
        Assert.False(more);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    private static async Task<ServingStatus> NextAsync(AsyncServerStreamingCall<HealthCheckResponse> call, CancellationToken cancellationToken)
    {
        var moved = await call.ResponseStream.MoveNext(cancellationToken).WaitAsync(MessageTimeout, cancellationToken);
        Assert.True(moved, "The watch ended instead of sending a status.");
        return call.ResponseStream.Current.Status;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(MessageTimeout);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
