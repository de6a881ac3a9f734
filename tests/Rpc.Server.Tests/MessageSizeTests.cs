using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class MessageSizeTests
{
    [Fact(Timeout = 30_000)]
    public async Task Receive_HugeLengthPrefix_RefusedBeforeBodyArrives()
    {
        await using var host = await RpcTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        // Announce 1 GiB and send 10 bytes of it; the request stream stays open.
        var content = new PushContent(Frames.Header(1u << 30), new byte[10]);
        var request = RawCalls.Prepare(host.Http2, RawCalls.Request("/test.Tester/Echo", content));

        using var response = await host.Http2.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);

        Assert.Equal("8", response.Headers.GetValues("grpc-status").Single());
        content.Complete();
    }

    [Fact(Timeout = 30_000)]
    public async Task Receive_OverConfiguredLimit_ResourceExhausted()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.MaxReceiveMessageSize = 100);
        var big = new BytesValue { Value = ByteString.CopyFrom(new byte[200]) }.ToByteArray();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Bytes", Frames.Frame(big));

        Assert.Equal(8, response.GrpcStatus);
        Assert.Contains("maximum", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Receive_AtConfiguredLimit_Accepted()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.MaxReceiveMessageSize = 100);
        var exact = new BytesValue { Value = ByteString.CopyFrom(new byte[98]) }.ToByteArray();
        Assert.Equal(100, exact.Length);

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Bytes", Frames.Frame(exact));

        Assert.Equal(0, response.GrpcStatus);
    }

    [Fact(Timeout = 30_000)]
    public async Task Receive_CompressionBombOverLimit_ResourceExhausted()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.MaxReceiveMessageSize = 100_000);
        var inflated = new BytesValue { Value = ByteString.CopyFrom(new byte[1_000_000]) }.ToByteArray();
        var bomb = Frames.Gzip(inflated);
        Assert.True(bomb.Length < 100_000);

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Bytes", Frames.Frame(bomb, flags: 1), configure: r =>
            r.Headers.Add("grpc-encoding", "gzip"));

        Assert.Equal(8, response.GrpcStatus);
    }

    [Fact(Timeout = 30_000)]
    public async Task Send_OverConfiguredLimit_ResourceExhausted()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.MaxSendMessageSize = 100);
        var big = new BytesValue { Value = ByteString.CopyFrom(new byte[200]) }.ToByteArray();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Bytes", Frames.Frame(big));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(8, response.GrpcStatus);
    }

    [Fact(Timeout = 30_000)]
    public async Task NoLimits_LargeMessage_RoundTrips()
    {
        await using var host = await RpcTestHost.StartAsync(o =>
        {
            o.MaxReceiveMessageSize = null;
            o.MaxSendMessageSize = null;
        });
        var data = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(data);
        var request = new BytesValue { Value = ByteString.CopyFrom(data) }.ToByteArray();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Bytes", Frames.Frame(request));

        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal(data, BytesValue.Parser.ParseFrom(response.Frames.Single().Payload).Value.ToByteArray());
    }

    [Fact(Timeout = 30_000)]
    public async Task DefaultLimit_FiveMiBMessage_ResourceExhausted()
    {
        await using var host = await RpcTestHost.StartAsync();
        var request = new BytesValue { Value = ByteString.CopyFrom(new byte[5 * 1024 * 1024]) }.ToByteArray();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Bytes", Frames.Frame(request));

        Assert.Equal(8, response.GrpcStatus);
    }
}
