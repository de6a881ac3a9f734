using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class CancellationTests
{
    [Fact(Timeout = 30_000)]
    public async Task ClientCancels_HandlerTokenFires_ConnectionStaysUsable()
    {
        await using var host = await RpcTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var request = RawCalls.Prepare(host.Http2, RawCalls.Request("/test.Tester/Wait", Frames.Text(string.Empty)));

        var call = host.Http2.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        var connectionId = await host.Probe.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.True(await host.Probe.HandlerTokenFired.Task.WaitAsync(TimeSpan.FromSeconds(10), ct));
        var after = await RawCalls.CallAsync(host.Http2, "/test.Tester/Info", Frames.Text(string.Empty));
        Assert.Contains($"connection={connectionId}", after.Texts.Single(), StringComparison.Ordinal);
        host.AssertNoErrorsLogged();
    }

    [Fact(Timeout = 30_000)]
    public async Task ClientCancelsMidStream_ServerStreamingHandlerEnds_NoErrorLogged()
    {
        await using var host = await RpcTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var content = new PushContent(Frames.Text("one"));
        var request = RawCalls.Prepare(host.Http2, RawCalls.Request("/test.Tester/Chat", content));

        using (var response = await host.Http2.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct))
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            Assert.NotNull(await Frames.ReadFrameAsync(stream, ct));
        }

        // Disposing the response mid-stream resets it; the duplex handler's read fails and the call ends quietly.
        var after = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Text("next"));
        Assert.Equal(["next"], after.Texts);
        host.AssertNoErrorsLogged();
    }
}
