using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class CompressionTests
{
    [Fact(Timeout = 30_000)]
    public async Task Request_GzipCompressed_Decompressed()
    {
        await using var host = await RpcTestHost.StartAsync();
        var payload = Frames.Gzip(new StringValue { Value = "squeezed" }.ToByteArray());

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Frame(payload, flags: 1), configure: r =>
            r.Headers.Add("grpc-encoding", "gzip"));

        Assert.Equal(["squeezed"], response.Texts);
    }

    [Fact(Timeout = 30_000)]
    public async Task Request_EncodingHeaderButUncompressedFrame_Accepted()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Text("plain"), configure: r =>
            r.Headers.Add("grpc-encoding", "gzip"));

        Assert.Equal(["plain"], response.Texts);
    }

    [Fact(Timeout = 30_000)]
    public async Task Request_UnsupportedEncoding_UnimplementedListingSupported()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Frame([1, 2, 3], flags: 1), configure: r =>
            r.Headers.Add("grpc-encoding", "snappy"));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(12, response.GrpcStatus);
        Assert.Contains("gzip", response.Header("grpc-accept-encoding"), StringComparison.Ordinal);
        Assert.Contains("snappy", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Request_CompressedFlagWithoutEncoding_Internal()
    {
        await using var host = await RpcTestHost.StartAsync();
        var payload = Frames.Gzip(new StringValue { Value = "x" }.ToByteArray());

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Frame(payload, flags: 1));

        Assert.Equal(13, response.GrpcStatus);
    }

    [Fact(Timeout = 30_000)]
    public async Task Response_OptionsGzipAndClientAccepts_CompressedFrame()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.ResponseCompression = "gzip");

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Compress", Frames.Text(string.Empty), configure: r =>
            r.Headers.Add("grpc-accept-encoding", "identity, gzip"));

        Assert.Equal("gzip", response.Header("grpc-encoding"));
        var frame = Assert.Single(response.Frames);
        Assert.Equal(1, frame.Flags);
        Assert.Equal(TesterService.CompressibleText, Frames.ParseText(Frames.Gunzip(frame.Payload)));
        Assert.True(frame.Payload.Length < TesterService.CompressibleText.Length / 4);
    }

    [Fact(Timeout = 30_000)]
    public async Task Response_ClientDoesNotAccept_Uncompressed()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.ResponseCompression = "gzip");

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Compress", Frames.Text(string.Empty));

        Assert.Null(response.Header("grpc-encoding"));
        Assert.Equal(0, response.Frames.Single().Flags);
        Assert.Equal([TesterService.CompressibleText], response.Texts);
    }

    [Fact(Timeout = 30_000)]
    public async Task Response_HandlerChoosesDeflate_DeflateFrame()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Compress", Frames.Text("deflate"), configure: r =>
            r.Headers.Add("grpc-accept-encoding", "gzip,deflate"));

        Assert.Equal("deflate", response.Header("grpc-encoding"));
        var frame = Assert.Single(response.Frames);
        Assert.Equal(1, frame.Flags);
        Assert.Equal(TesterService.CompressibleText, Frames.ParseText(Frames.Inflate(frame.Payload)));
    }

    [Fact(Timeout = 30_000)]
    public async Task Response_NoCompressWriteOption_FrameSentUncompressed()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.ResponseCompression = "gzip");

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Compress", Frames.Text("nocompress"), configure: r =>
            r.Headers.Add("grpc-accept-encoding", "gzip"));

        Assert.Equal("gzip", response.Header("grpc-encoding"));
        Assert.Equal(0, response.Frames.Single().Flags);
        Assert.Equal([TesterService.CompressibleText], response.Texts);
    }

    [Fact(Timeout = 30_000)]
    public async Task Streaming_GzipBothWays_EveryFrameRoundTrips()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.ResponseCompression = "gzip");
        var frames = Enumerable.Range(0, 5)
            .Select(i => Frames.Frame(Frames.Gzip(new StringValue { Value = "m" + i }.ToByteArray()), flags: 1))
            .ToArray();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Chat", Frames.Concat(frames), configure: r =>
        {
            r.Headers.Add("grpc-encoding", "gzip");
            r.Headers.Add("grpc-accept-encoding", "gzip");
        });

        Assert.Equal(0, response.GrpcStatus);
        Assert.All(response.Frames, f => Assert.Equal(1, f.Flags));
        Assert.Equal(
            Enumerable.Range(0, 5).Select(i => "echo:m" + i),
            response.Frames.Select(f => Frames.ParseText(Frames.Gunzip(f.Payload))));
    }
}
