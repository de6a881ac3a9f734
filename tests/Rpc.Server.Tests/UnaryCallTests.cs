using System.Net;
using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class UnaryCallTests
{
    [Fact(Timeout = 30_000)]
    public async Task Unary_ValidRequest_EchoesMessageWithOkTrailers()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Text("hello"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/grpc", response.Header("content-type"));
        Assert.Contains("gzip", response.Header("grpc-accept-encoding"), StringComparison.Ordinal);
        Assert.Equal(["hello"], response.Texts);
        Assert.Equal(0, (int)response.Frames[0].Flags);
        Assert.Equal("0", response.Trailer("grpc-status"));
        Assert.False(response.Headers.ContainsKey("grpc-status"));
    }

    [Theory(Timeout = 30_000)]
    [InlineData("application/grpc+proto", "application/grpc+proto")]
    [InlineData("application/grpc+json", "application/grpc+json")]
    [InlineData("application/grpc; charset=utf-8", "application/grpc")]
    [InlineData("Application/GRPC", "application/grpc")]
    public async Task Unary_ContentTypeVariant_ResponseMirrorsRequestFamily(string requestType, string expected)
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Text("x"), requestType);

        Assert.Equal(expected, response.Header("content-type"));
        Assert.Equal(0, response.GrpcStatus);
        Assert.Equal(["x"], response.Texts);
    }

    [Fact(Timeout = 30_000)]
    public async Task Unary_EmptyMessage_EchoesEmptyPayload()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Frame([]));

        Assert.Equal(0, response.GrpcStatus);
        var frame = Assert.Single(response.Frames);
        Assert.Empty(frame.Payload);
    }

    [Fact(Timeout = 30_000)]
    public async Task Unary_NoRequestMessage_ReturnsInternal()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", []);

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(13, response.GrpcStatus);
        Assert.Contains("exactly one request message", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Unary_TwoRequestMessages_ReturnsInternal()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Concat(Frames.Text("a"), Frames.Text("b")));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(13, response.GrpcStatus);
        Assert.Contains("more than one request message", response.GrpcMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("handler:Echo", host.Probe.Events);
    }

    [Fact(Timeout = 30_000)]
    public async Task Unary_ManyConcurrentCalls_AllSucceedOnOneConnection()
    {
        await using var host = await RpcTestHost.StartAsync();

        var calls = Enumerable.Range(0, 200).Select(i => RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Text("m" + i)));
        var responses = await Task.WhenAll(calls);

        for (var i = 0; i < responses.Length; i++)
        {
            Assert.Equal(0, responses[i].GrpcStatus);
            Assert.Equal(["m" + i], responses[i].Texts);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Unary_ContextProperties_DescribeTheCall()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Info", Frames.Text(string.Empty));

        var info = Assert.Single(response.Texts);
        Assert.Contains("remainingMs=none", info, StringComparison.Ordinal);
        Assert.Contains("method=/test.Tester/Info", info, StringComparison.Ordinal);
        Assert.Contains($"host=127.0.0.1:{host.Http2Address.Port}", info, StringComparison.Ordinal);
        Assert.Contains("peer=ipv4:127.0.0.1:", info, StringComparison.Ordinal);
    }
}
