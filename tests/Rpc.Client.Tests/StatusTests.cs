using Microsoft.AspNetCore.Http;
using Rpc.Wire;
using static Rpc.Client.Tests.ServerWire;

namespace Rpc.Client.Tests;

public sealed class StatusTests(GrpcTestServer server) : ClientTestBase(server)
{
    [Fact(Timeout = 10_000)]
    public async Task TrailersOnly_ErrorInHeaders_ThrowsWithStatusAndMetadata()
    {
        var name = Server.Map("TrailersOnly", context =>
        {
            TrailersOnly(context, StatusCode.NotFound, "no such thing");
            context.Response.Headers["x-detail"] = "missing";
            return Task.CompletedTask;
        });

        using var call = Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("no such thing", error.Status.Detail);
        Assert.Equal("missing", error.Trailers.GetValue("x-detail"));
        Assert.Equal("missing", call.GetTrailers().GetValue("x-detail"));
        Assert.Empty(await call.ResponseHeadersAsync);
    }

    [Fact(Timeout = 10_000)]
    public async Task TrailersOnly_OkOnServerStream_EndsStreamWithoutMessages()
    {
        var name = Server.Map("EmptyStream", context =>
        {
            TrailersOnly(context, StatusCode.OK);
            return Task.CompletedTask;
        });

        using var call = Invoker().AsyncServerStreamingCall(Method(MethodType.ServerStreaming, name), null, new CallOptions(CancellationToken: Ct), Text("x"));

        Assert.False(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Theory(Timeout = 10_000)]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    [InlineData(418, StatusCode.Unknown)]
    public async Task HttpError_WithoutGrpcStatus_MapsToGrpcCode(int httpStatus, StatusCode expected)
    {
        var name = Server.Map("Http" + httpStatus, async context =>
        {
            context.Response.StatusCode = httpStatus;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("proxy says no", context.RequestAborted);
        });

        using var call = Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(expected, error.StatusCode);
        Assert.Contains(httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(expected, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync)).StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task HttpError_WithGrpcStatus_GrpcStatusWins()
    {
        var name = Server.Map("HttpAndGrpc", context =>
        {
            TrailersOnly(context, StatusCode.ResourceExhausted, "slow down");
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task UnknownMethod_ServerAnswers404_FailsUnimplemented()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Invoker().AsyncUnaryCall(Method(MethodType.Unary, "NotMapped"), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task MissingGrpcStatus_ResponseEndsWithoutTrailers_FailsUnknown()
    {
        var name = Server.Map("NoStatus", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "message but no status");
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Contains("grpc-status", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task WrongContentType_On200_FailsInternalNamingTheType()
    {
        var name = Server.Map("Html", async context =>
        {
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html></html>", context.RequestAborted);
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("text/html", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task GrpcMessage_PercentEncodedUnicode_IsDecoded()
    {
        const string detail = "ünïcödé ✓ 100% done\r\nsecond line";
        var name = Server.Map("Unicode", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
            Trailers(context, StatusCode.FailedPrecondition, detail);
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(detail, error.Status.Detail);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("17")]
    [InlineData("abc")]
    public async Task GrpcStatus_OutOfRangeOrMalformed_FailsUnknown(string value)
    {
        var name = Server.Map("OddStatus", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "x");
            context.Response.AppendTrailer(GrpcProtocol.StatusTrailer, value);
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.Contains(value, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task ServerResetsStream_FailsWithMappedCode()
    {
        var name = Server.Map("Reset", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "partial");
            // RST_STREAM with REFUSED_STREAM (7): the spec maps it to UNAVAILABLE.
            context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResetFeature>()!.Reset(7);
        });

        using var call = Invoker().AsyncServerStreamingCall(Method(MethodType.ServerStreaming, name), null, new CallOptions(CancellationToken: Ct), Text("x"));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(Ct))
            {
            }
        });

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }
}
