using Rpc.Client;
using Rpc.EndToEnd.Tests.Infrastructure;

namespace Rpc.EndToEnd.Tests;

/// <summary>Client keep-alive PINGs on the wire (seen by <see cref="Http2FrameProxy"/>) while a server stream is open but idle.</summary>
public sealed class ClientKeepAliveTests
{
    [Theory(Timeout = 20_000)]
    [InlineData(HttpKeepAlivePingPolicy.Always)]
    [InlineData(HttpKeepAlivePingPolicy.WithActiveRequests)]
    public async Task IdleServerStream_ClientKeepAliveOneSecond_ClientPingsAndStreamCompletesOk(HttpKeepAlivePingPolicy policy)
    {
        await using var server = await TestServer.StartAsync();
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address, new RpcChannelOptions
        {
            KeepAlivePingDelay = KeepAlive.PingDelay,
            KeepAlivePingTimeout = KeepAlive.PingTimeout,
            KeepAlivePingPolicy = policy,
        });
        using var stream = await IdleStream.OpenAsync(channel, server);

        var pings = proxy.ClientToServer.Pings;
        var acks = proxy.ServerToClient.PingAcks;
        await Eventually.WaitUntilAsync(
            () => proxy.ClientToServer.Pings >= pings + 2 && proxy.ServerToClient.PingAcks >= acks + 2,
            KeepAlive.WaitForPings,
            () => $"two acknowledged client PINGs; client→server {proxy.ClientToServer}, server→client {proxy.ServerToClient}");

        await stream.FinishAsync();
        KeepAlive.AssertOneHealthyConnection(proxy);
    }

    /// <summary>
    /// The control for these and <see cref="ServerKeepAliveTests"/>: with neither side configured to ping, the same
    /// idle stream sees no PING either way, so the pings counted there come from the settings under test.
    /// </summary>
    [Fact(Timeout = 20_000)]
    public async Task IdleServerStream_NoKeepAliveConfigured_NoPingsEitherWay()
    {
        await using var server = await TestServer.StartAsync();
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address);
        using var stream = await IdleStream.OpenAsync(channel, server);

        var clientPings = proxy.ClientToServer.Pings;
        var serverPings = proxy.ServerToClient.Pings;
        await Task.Delay(KeepAlive.QuietWindow, TestContext.Current.CancellationToken);

        Assert.Equal(clientPings, proxy.ClientToServer.Pings);
        Assert.Equal(serverPings, proxy.ServerToClient.Pings);
        await stream.FinishAsync();
    }
}
