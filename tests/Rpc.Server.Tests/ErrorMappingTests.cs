using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class ErrorMappingTests
{
    [Fact(Timeout = 30_000)]
    public async Task RpcException_BeforeAnyMessage_TrailersOnlyWithStatusAndTrailers()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Fail", Frames.Text("rpc:5:no such thing"));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal("5", response.Header("grpc-status"));
        Assert.Equal("no such thing", response.Header("grpc-message"));
        Assert.Equal("t", response.Header("x-trailer"));
        Assert.Equal("AQID", response.Header("x-data-bin"));
        Assert.Equal("application/grpc", response.Header("content-type"));
        host.AssertNoErrorsLogged();
    }

    [Fact(Timeout = 30_000)]
    public async Task RpcException_NonAsciiMessage_PercentEncoded()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Fail", Frames.Text("rpc:3:héllo 100% ✓\nnext"));

        Assert.Equal("h%C3%A9llo 100%25 %E2%9C%93%0Anext", response.Header("grpc-message"));
        Assert.Equal("héllo 100% ✓\nnext", response.GrpcMessage);
    }

    [Fact(Timeout = 30_000)]
    public async Task OtherException_Default_UnknownWithoutDetails()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Fail", Frames.Text("throw:secret detail"));

        Assert.Equal(2, response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler.", response.GrpcMessage);
        Assert.Contains(host.Logs.Errors, e => e.Contains("secret detail", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30_000)]
    public async Task OtherException_DetailedErrors_MessageIncluded()
    {
        await using var host = await RpcTestHost.StartAsync(o => o.EnableDetailedErrors = true);

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Fail", Frames.Text("throw:secret detail"));

        Assert.Equal(2, response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler. InvalidOperationException: secret detail", response.GrpcMessage);
    }

    [Fact(Timeout = 30_000)]
    public async Task ContextStatus_SetByHandler_SentWithoutMessage()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Fail", Frames.Text("status:9:not now"));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(9, response.GrpcStatus);
        Assert.Equal("not now", response.GrpcMessage);
    }

    [Fact(Timeout = 30_000)]
    public async Task NullResponse_FromUnaryHandler_Internal()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Fail", Frames.Text("null"));

        Assert.Equal(13, response.GrpcStatus);
    }

    [Fact(Timeout = 30_000)]
    public async Task GarbageProtobuf_ValidFraming_InternalWithMessage()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Frame([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]));

        Assert.Equal(13, response.GrpcStatus);
        Assert.Contains("deserialize", response.GrpcMessage, StringComparison.OrdinalIgnoreCase);
        host.AssertNoErrorsLogged();
    }

    [Fact(Timeout = 30_000)]
    public async Task TruncatedFrame_StreamEndsInsidePayload_Internal()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Concat(Frames.Header(10), [1, 2, 3]));

        Assert.Equal(13, response.GrpcStatus);
        Assert.Contains("Incomplete", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task TruncatedHeader_StreamEndsInsidePrefix_Internal()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Concat", Frames.Concat(Frames.Text("ok"), [0, 0]));

        Assert.Equal(13, response.GrpcStatus);
    }
}
