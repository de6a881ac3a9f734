using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class KeepAliveTests
{
    [Fact]
    public void ConfigureRpcDefaults_NoArguments_TurnsOnPings()
    {
        var options = new KestrelServerOptions();

        options.ConfigureRpcDefaults();

        Assert.Equal(RpcKestrelExtensions.DefaultKeepAlivePingDelay, options.Limits.Http2.KeepAlivePingDelay);
        Assert.Equal(RpcKestrelExtensions.DefaultKeepAlivePingTimeout, options.Limits.Http2.KeepAlivePingTimeout);
    }

    [Fact]
    public void AddRpc_KeepAliveOptions_AppliedToKestrel()
    {
        var services = new ServiceCollection();
        services.AddRpc(o =>
        {
            o.KeepAlivePingDelay = TimeSpan.FromSeconds(7);
            o.KeepAlivePingTimeout = TimeSpan.FromSeconds(3);
        });
        using var provider = services.BuildServiceProvider();

        var kestrel = provider.GetRequiredService<IOptions<KestrelServerOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(7), kestrel.Limits.Http2.KeepAlivePingDelay);
        Assert.Equal(TimeSpan.FromSeconds(3), kestrel.Limits.Http2.KeepAlivePingTimeout);
    }

    [Fact]
    public void AddRpc_NoKeepAliveOptions_KestrelUntouched()
    {
        var services = new ServiceCollection();
        services.AddRpc();
        using var provider = services.BuildServiceProvider();

        var kestrel = provider.GetRequiredService<IOptions<KestrelServerOptions>>().Value;

        Assert.Equal(new KestrelServerOptions().Limits.Http2.KeepAlivePingDelay, kestrel.Limits.Http2.KeepAlivePingDelay);
    }

    [Fact(Timeout = 30_000)]
    public async Task IdleConnection_KeepAliveConfigured_ServerSendsPing()
    {
        await using var host = await RpcTestHost.StartAsync(o =>
        {
            o.KeepAlivePingDelay = TimeSpan.FromSeconds(1);
            o.KeepAlivePingTimeout = TimeSpan.FromSeconds(5);
        });
        var ct = TestContext.Current.CancellationToken;
        using var socket = new TcpClient();
        await socket.ConnectAsync(host.Http2Address.Host, host.Http2Address.Port, ct);
        var stream = socket.GetStream();

        // Speak just enough raw HTTP/2: the preface and an empty SETTINGS frame, then acknowledge the server's.
        await stream.WriteAsync(Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), ct);
        await stream.WriteAsync(FrameHeader(length: 0, type: 0x4, flags: 0), ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            var header = new byte[9];
            await stream.ReadExactlyAsync(header, timeout.Token);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var type = header[3];
            var flags = header[4];
            await stream.ReadExactlyAsync(new byte[length], timeout.Token);
            if (type == 0x4 && (flags & 0x1) == 0)
            {
                await stream.WriteAsync(FrameHeader(length: 0, type: 0x4, flags: 0x1), ct);
            }
            else if (type == 0x6 && (flags & 0x1) == 0)
            {
                return; // a PING that is not an ACK: the server's keep-alive
            }
        }
    }

    private static byte[] FrameHeader(int length, byte type, byte flags)
    {
        var header = new byte[9];
        header[0] = (byte)(length >> 16);
        header[1] = (byte)(length >> 8);
        header[2] = (byte)length;
        header[3] = type;
        header[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(5), 0);
        return header;
    }
}
