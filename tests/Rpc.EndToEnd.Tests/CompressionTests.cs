using Grpc.Testing;
using Rpc.Client;
using Rpc.EndToEnd.Tests.Infrastructure;

namespace Rpc.EndToEnd.Tests;

/// <summary>
/// gzip both ways between our client (<see cref="CallOptions.RequestCompression"/>) and our server
/// (<c>RpcServerOptions.ResponseCompression</c>). Headers are HPACK-compressed, so the proof is on the wire: 1 MiB
/// of zeros crosses the proxy as about 10 KiB of DATA, against over 1 MiB without compression.
/// </summary>
public sealed class CompressionTests
{
    private const int MessageBytes = 1024 * 1024;
    private const int RoundTrips = 3;

    // The most DATA per 1 MiB message that still counts as compressed: gzip (at the fastest level) turns 1 MiB of
    // zeros into about 10 KiB, an uncompressed message needs over 1 MiB.
    private const long CompressedCeiling = MessageBytes / 16;

    [Fact(Timeout = 20_000)]
    public async Task UnaryCall_GzipBothWays_WireCarriesAFractionOfTheMessages()
    {
        await using var server = await TestServer.StartAsync(o => o.ResponseCompression = "gzip");
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address);
        var client = new TestService.TestServiceClient(channel);

        var response = await client.UnaryCallAsync(
            new SimpleRequest { ResponseSize = MessageBytes, Payload = new Payload { Body = Messages.Body(MessageBytes) } },
            new CallOptions(CancellationToken: TestContext.Current.CancellationToken, RequestCompression: "gzip"));

        AssertZeros(MessageBytes, response.Payload.Body);
        Assert.Equal([MessageBytes], server.Probe.RequestPayloadSizes);
        Assert.True(proxy.ClientToServer.DataBytes < CompressedCeiling, $"request not compressed on the wire: {proxy.ClientToServer}");
        Assert.True(proxy.ServerToClient.DataBytes < CompressedCeiling, $"response not compressed on the wire: {proxy.ServerToClient}");
    }

    [Fact(Timeout = 20_000)]
    public async Task DuplexCall_GzipBothWays_EveryMessageCompressedOnTheWire()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var server = await TestServer.StartAsync(o => o.ResponseCompression = "gzip");
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address);
        var client = new TestService.TestServiceClient(channel);

        using var call = client.FullDuplexCall(new CallOptions(CancellationToken: cancellationToken, RequestCompression: "gzip"));
        for (var i = 0; i < RoundTrips; i++)
        {
            var request = new StreamingOutputCallRequest { Payload = new Payload { Body = Messages.Body(MessageBytes) } };
            request.ResponseParameters.Add(new ResponseParameters { Size = MessageBytes });
            await call.RequestStream.WriteAsync(request, cancellationToken);
            Assert.True(await call.ResponseStream.MoveNext(cancellationToken));
            AssertZeros(MessageBytes, call.ResponseStream.Current.Payload.Body);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(cancellationToken));
        Assert.Equal(Enumerable.Repeat(MessageBytes, RoundTrips), server.Probe.RequestPayloadSizes);
        Assert.True(proxy.ClientToServer.DataBytes < RoundTrips * CompressedCeiling, $"requests not compressed on the wire: {proxy.ClientToServer}");
        Assert.True(proxy.ServerToClient.DataBytes < RoundTrips * CompressedCeiling, $"responses not compressed on the wire: {proxy.ServerToClient}");
    }

    /// <summary>The control: the same exchange without compression puts the whole message on the wire each way.</summary>
    [Fact(Timeout = 20_000)]
    public async Task UnaryCall_NoCompression_WireCarriesTheWholeMessages()
    {
        await using var server = await TestServer.StartAsync();
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address);
        var client = new TestService.TestServiceClient(channel);

        var response = await client.UnaryCallAsync(
            new SimpleRequest { ResponseSize = MessageBytes, Payload = new Payload { Body = Messages.Body(MessageBytes) } },
            cancellationToken: TestContext.Current.CancellationToken);

        AssertZeros(MessageBytes, response.Payload.Body);
        Assert.True(proxy.ClientToServer.DataBytes > MessageBytes, proxy.ClientToServer.ToString());
        Assert.True(proxy.ServerToClient.DataBytes > MessageBytes, proxy.ServerToClient.ToString());
    }

    private static void AssertZeros(int length, Google.Protobuf.ByteString body)
    {
        Assert.Equal(length, body.Length);
        Assert.True(Messages.IsAllZeros(body), "the payload changed on the way");
    }
}
