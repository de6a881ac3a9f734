using System.Net;
using System.Text;
using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class GrpcWebTests
{
    [Fact(Timeout = 30_000)]
    public async Task WebBinary_Http11Unary_MessageThenTrailersFrame()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http1, "/test.Tester/Echo", Frames.Text("web"), "application/grpc-web+proto", r =>
            r.Headers.Add("x-grpc-web", "1"));

        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc-web+proto", response.Header("content-type"));
        var frames = response.Frames;
        Assert.Equal(2, frames.Count);
        Assert.Equal(0, frames[0].Flags);
        Assert.Equal("web", Frames.ParseText(frames[0].Payload));
        Assert.Equal(0x80, frames[1].Flags);
        Assert.Equal("0", Frames.ParseWebTrailers(frames[1].Payload)["grpc-status"]);
        Assert.Empty(response.Trailers);
    }

    [Fact(Timeout = 30_000)]
    public async Task WebBinary_Http2_TrailersInBodyNotHttpTrailers()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Count", Frames.Text("2"), "application/grpc-web");

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/grpc-web", response.Header("content-type"));
        Assert.Equal(["0", "1"], response.Texts);
        Assert.Equal("0", response.WebTrailers["grpc-status"]);
        Assert.Empty(response.Trailers);
    }

    [Fact(Timeout = 30_000)]
    public async Task WebBinary_ErrorAfterMessages_CustomTrailersInTrailersFrame()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http1, "/test.Tester/Count", Frames.Text("1:fail"), "application/grpc-web+proto");

        Assert.Equal(["0"], response.Texts);
        var trailers = response.WebTrailers;
        Assert.Equal("10", trailers["grpc-status"]);
        Assert.Equal("stopped", trailers["grpc-message"]);
        Assert.Equal("t", trailers["x-trailer"]);
    }

    [Fact(Timeout = 30_000)]
    public async Task WebBinary_ErrorBeforeMessages_TrailersOnlyInHeaders()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http1, "/test.Tester/Fail", Frames.Text("rpc:7:denied"), "application/grpc-web+proto");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Body);
        Assert.Equal("7", response.Header("grpc-status"));
        Assert.Equal("denied", response.Header("grpc-message"));
    }

    [Fact(Timeout = 30_000)]
    public async Task WebText_ChunkedBase64AtOddBoundaries_DecodedAndAnsweredInBase64()
    {
        await using var host = await RpcTestHost.StartAsync();
        var base64 = Encoding.ASCII.GetBytes(Convert.ToBase64String(Frames.Text("text mode works")));
        // Chunks of 1, 2, 3, 5, 7... characters: boundaries rarely fall on 4-character groups.
        var chunks = new List<byte[]>();
        for (int offset = 0, size = 1; offset < base64.Length; offset += size, size = size * 2 % 9 + 1)
        {
            chunks.Add(base64[offset..Math.Min(base64.Length, offset + size)]);
        }

        var content = new PushContent([.. chunks]);
        content.Complete();
        var response = await RawCalls.SendAsync(
            host.Http1, RawCalls.Request("/test.Tester/Echo", content, "application/grpc-web-text"), TestContext.Current.CancellationToken);

        Assert.Equal("application/grpc-web-text", response.Header("content-type"));
        var frames = Frames.Parse(Frames.DecodeWebText(Encoding.ASCII.GetString(response.Body)));
        Assert.Equal("text mode works", Frames.ParseText(frames[0].Payload));
        Assert.Equal("0", Frames.ParseWebTrailers(frames[1].Payload)["grpc-status"]);
    }

    [Fact(Timeout = 30_000)]
    public async Task WebText_EachMessagePaddedSeparately_ClientStreamingDecodesAll()
    {
        await using var host = await RpcTestHost.StartAsync();
        // "a" and "bb" frames are 8 and 9 bytes: each base64 block ends in padding, mid-stream.
        var body = Convert.ToBase64String(Frames.Text("a")) + Convert.ToBase64String(Frames.Text("bb")) + Convert.ToBase64String(Frames.Text("ccc"));
        Assert.Contains("=", body[..^4], StringComparison.Ordinal);

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Concat", Encoding.ASCII.GetBytes(body), "application/grpc-web-text+proto");

        Assert.Equal("application/grpc-web-text+proto", response.Header("content-type"));
        var frames = Frames.Parse(Frames.DecodeWebText(Encoding.ASCII.GetString(response.Body)));
        Assert.Equal("a,bb,ccc", Frames.ParseText(frames[0].Payload));
    }

    [Fact(Timeout = 30_000)]
    public async Task WebText_ServerStreaming_EachFlushIsValidBase64()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(
            host.Http1, "/test.Tester/Count", Encoding.ASCII.GetBytes(Convert.ToBase64String(Frames.Text("3"))), "application/grpc-web-text");

        var text = Encoding.ASCII.GetString(response.Body);
        Assert.Equal(0, text.Length % 4);
        var frames = Frames.Parse(Frames.DecodeWebText(text));
        Assert.Equal(["0", "1", "2"], frames.Where(f => f.Flags == 0).Select(f => Frames.ParseText(f.Payload)));
        Assert.Equal("0", Frames.ParseWebTrailers(frames[^1].Payload)["grpc-status"]);
    }

    [Fact(Timeout = 30_000)]
    public async Task WebText_InvalidBase64_Internal()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http1, "/test.Tester/Echo", Encoding.ASCII.GetBytes("!!!!****"), "application/grpc-web-text");

        Assert.Equal("13", response.Header("grpc-status"));
        Assert.Contains("base64", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task WebText_UnpaddedFinalGroup_Accepted()
    {
        await using var host = await RpcTestHost.StartAsync();
        var body = Convert.ToBase64String(Frames.Text("a")).TrimEnd('=');

        var response = await RawCalls.CallAsync(host.Http1, "/test.Tester/Echo", Encoding.ASCII.GetBytes(body), "application/grpc-web-text");

        var frames = Frames.Parse(Frames.DecodeWebText(Encoding.ASCII.GetString(response.Body)));
        Assert.Equal("a", Frames.ParseText(frames[0].Payload));
    }

    [Fact(Timeout = 30_000)]
    public async Task Web_UnknownService_TrailersOnlyUnimplementedWithWebContentType()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http1, "/nope.Missing/Call", Frames.Text("x"), "application/grpc-web+proto");

        Assert.Equal("12", response.Header("grpc-status"));
        Assert.Equal("application/grpc-web+proto", response.Header("content-type"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Web_Deadline_StatusInTrailersFrameAfterMessage()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http1, "/test.Tester/Ticker", Frames.Text(string.Empty), "application/grpc-web", r =>
            r.Headers.Add("grpc-timeout", "300m"));

        Assert.Equal(["first"], response.Texts);
        Assert.Equal("4", response.WebTrailers["grpc-status"]);
        host.Probe.Release.SetResult();
        Assert.IsType<InvalidOperationException>(await host.Probe.LateWriteOutcome.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }
}
