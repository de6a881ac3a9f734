using Grpc.Testing;
using Rpc.Client;

namespace Rpc.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A server-streaming call that has delivered its first response and is then held open by the server with nothing
/// to send, until <see cref="FinishAsync"/> releases it: the idle long-lived stream keep-alive pings exist for.
/// </summary>
internal sealed class IdleStream(AsyncServerStreamingCall<StreamingOutputCallResponse> call, TestServer server) : IDisposable
{
    // Lets pings the first response may have triggered (the client's RTT probes answer DATA) pass before a test takes
    // its baseline; an idle stream produces none of those.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    public static async Task<IdleStream> OpenAsync(RpcChannel channel, TestServer server)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var client = new TestService.TestServiceClient(channel);
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.Add([new() { Size = 1 }, new() { Size = 2 }]);
        var call = client.StreamingOutputCall(request, new CallOptions(new Metadata { { ServiceProbe.HoldHeader, "1" } }, CancellationToken: cancellationToken));
        Assert.True(await call.ResponseStream.MoveNext(cancellationToken));
        await Eventually.WaitUntilAsync(() => server.Probe.Held == 1, TimeSpan.FromSeconds(5), () => "the handler to hold the stream");
        await Task.Delay(Settle, cancellationToken);
        return new IdleStream(call, server);
    }

    /// <summary>Checks the stream is still open, releases it and checks it ends normally: the second response, then OK.</summary>
    public async Task FinishAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Assert.Equal(1, server.Probe.Held);
        server.Probe.Release();
        Assert.True(await call.ResponseStream.MoveNext(cancellationToken));
        Assert.Equal(2, call.ResponseStream.Current.Payload.Body.Length);
        Assert.False(await call.ResponseStream.MoveNext(cancellationToken));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    public void Dispose() => call.Dispose();
}
