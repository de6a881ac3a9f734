using Rpc.Client;
using Rpc.EndToEnd.Tests.Infrastructure;
using Rpc.Server;

namespace Rpc.EndToEnd.Tests;

/// <summary>Where the server's keep-alive setting comes from.</summary>
public enum ServerKeepAliveSource
{
    RpcServerOptions,
    ConfigureRpcDefaults,
}

/// <summary>Server keep-alive PINGs on the wire (seen by <see cref="Http2FrameProxy"/>) while a server stream is open but idle.</summary>
public sealed class ServerKeepAliveTests
{
    [Theory(Timeout = 20_000)]
    [InlineData(ServerKeepAliveSource.RpcServerOptions)]
    [InlineData(ServerKeepAliveSource.ConfigureRpcDefaults)]
    public async Task IdleServerStream_ServerKeepAliveOneSecond_ServerPingsAndStreamCompletesOk(ServerKeepAliveSource source)
    {
        await using var server = source == ServerKeepAliveSource.RpcServerOptions
            ? await TestServer.StartAsync(configureRpc: o =>
            {
                o.KeepAlivePingDelay = KeepAlive.PingDelay;
                o.KeepAlivePingTimeout = KeepAlive.PingTimeout;
            })
            : await TestServer.StartAsync(configureKestrel: k => k.ConfigureRpcDefaults(KeepAlive.PingDelay, KeepAlive.PingTimeout));
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address);
        using var stream = await IdleStream.OpenAsync(channel, server);

        var pings = proxy.ServerToClient.Pings;
        var acks = proxy.ClientToServer.PingAcks;
        var data = proxy.ServerToClient.DataBytes;
        await Eventually.WaitUntilAsync(
            () => proxy.ServerToClient.Pings >= pings + 2 && proxy.ClientToServer.PingAcks >= acks + 2,
            KeepAlive.WaitForPings,
            () => $"two acknowledged server PINGs; server→client {proxy.ServerToClient}, client→server {proxy.ClientToServer}");

        Assert.Equal(data, proxy.ServerToClient.DataBytes); // the stream really was idle meanwhile
        await stream.FinishAsync();
        KeepAlive.AssertOneHealthyConnection(proxy);
    }
}
