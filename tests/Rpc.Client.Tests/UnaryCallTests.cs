using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Rpc.Wire;
using static Rpc.Client.Tests.ServerWire;

namespace Rpc.Client.Tests;

public sealed class UnaryCallTests(GrpcTestServer server) : ClientTestBase(server)
{
    [Fact(Timeout = 10_000)]
    public async Task Unary_Echo_SendsGrpcRequestAndReturnsResponse()
    {
        var seen = new TaskCompletionSource<IHeaderDictionary>();
        var name = Server.Map("Echo", async context =>
        {
            seen.TrySetResult(context.Request.Headers);
            var requests = await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "echo:" + string.Join(",", requests));
            context.Response.AppendTrailer("x-trailer", "t1");
            Trailers(context, StatusCode.OK);
        });

        using var call = Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("hi"));
        var response = await call;

        Assert.Equal("echo:hi", response.Value);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("t1", call.GetTrailers().GetValue("x-trailer"));
        var headers = await Within(seen.Task);
        Assert.Equal("application/grpc", headers.ContentType);
        Assert.Equal("trailers", headers["te"]);
        Assert.StartsWith("rpc-dotnet/", headers.UserAgent.ToString(), StringComparison.Ordinal);
        Assert.Contains("gzip", headers[GrpcProtocol.AcceptEncodingHeader].ToString(), StringComparison.Ordinal);
        Assert.False(headers.ContainsKey(GrpcProtocol.TimeoutHeader));
        Assert.False(headers.ContainsKey(GrpcProtocol.EncodingHeader));
    }

    [Fact(Timeout = 10_000)]
    public async Task Unary_ResponseSplitAcrossDataFrames_IsReassembled()
    {
        var big = new string('x', 100_000);
        var name = Server.Map("Split", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            var frame = Frame(big);
            // The prefix in two pieces, then the payload in uneven pieces, each flushed as its own DATA frame.
            await WriteRawAsync(context, frame.AsMemory(0, 2));
            await Task.Delay(20, context.RequestAborted);
            await WriteRawAsync(context, frame.AsMemory(2, 5));
            await Task.Delay(20, context.RequestAborted);
            await WriteRawAsync(context, frame.AsMemory(7, 40_000));
            await WriteRawAsync(context, frame.AsMemory(40_007));
            Trailers(context, StatusCode.OK);
        });

        var response = await Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));

        Assert.Equal(big, response.Value);
    }

    [Fact(Timeout = 10_000)]
    public async Task Unary_OkWithoutResponseMessage_FailsInternal()
    {
        var name = Server.Map("NoMessage", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
            Trailers(context, StatusCode.OK);
        });

        using var call = Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("without a response message", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Internal, call.GetStatus().StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task Unary_TwoResponseMessages_FailsInternal()
    {
        var name = Server.Map("TwoMessages", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "one");
            await WriteAsync(context, "two");
            Trailers(context, StatusCode.OK);
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("more than one", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task Unary_Metadata_TravelsBothWaysIncludingBinaryValues()
    {
        var received = new TaskCompletionSource<(string Ascii, string Binary, string UserAgent)>();
        var name = Server.Map("Metadata", async context =>
        {
            received.TrySetResult((context.Request.Headers["x-ascii"].ToString(), context.Request.Headers["x-data-bin"].ToString(), context.Request.Headers.UserAgent.ToString()));
            await ReadAllAsync(context);
            Start(context);
            // Padded and unpadded base64, and two values joined by a comma as HTTP does with repeated headers.
            context.Response.Headers["x-padded-bin"] = Convert.ToBase64String([1, 2, 3, 4]);
            context.Response.Headers["x-unpadded-bin"] = Convert.ToBase64String([1, 2, 3, 4]).TrimEnd('=');
            context.Response.Headers["x-joined-bin"] = Convert.ToBase64String([5]) + "," + Convert.ToBase64String([6, 7]).TrimEnd('=');
            context.Response.Headers["x-header"] = "h";
            await WriteAsync(context, "ok");
            context.Response.AppendTrailer("x-trailer-bin", Convert.ToBase64String([9, 8, 7]));
            Trailers(context, StatusCode.OK);
        });
        var headers = new Metadata
        {
            { "x-ascii", "plain value" },
            { "x-data-bin", new byte[] { 0xFF, 0x00, 0x10 } },
            { "user-agent", "custom-agent/2" },
        };

        using var call = Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(headers, CancellationToken: Ct), Text("x"));
        await call;
        var responseHeaders = await call.ResponseHeadersAsync;

        var sent = await Within(received.Task);
        Assert.Equal("plain value", sent.Ascii);
        Assert.Equal("/wAQ", sent.Binary);
        Assert.Equal("custom-agent/2", sent.UserAgent);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, responseHeaders.GetValueBytes("x-padded-bin"));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, responseHeaders.GetValueBytes("x-unpadded-bin"));
        Assert.Equal([new byte[] { 5 }, [6, 7]], responseHeaders.GetAll("x-joined-bin").Select(e => e.ValueBytes));
        Assert.Equal("h", responseHeaders.GetValue("x-header"));
        Assert.Null(responseHeaders.Get("content-type"));
        Assert.Equal(new byte[] { 9, 8, 7 }, call.GetTrailers().GetValueBytes("x-trailer-bin"));
        Assert.Null(call.GetTrailers().Get(GrpcProtocol.StatusTrailer));
    }

    [Fact(Timeout = 20_000)]
    public async Task Unary_64ConcurrentCalls_AllSucceedOnOneConnection()
    {
        var connections = new ConcurrentDictionary<string, bool>();
        var name = Server.Map("Concurrent", async context =>
        {
            connections.TryAdd(context.Connection.Id, true);
            var requests = await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, requests[0]);
            Trailers(context, StatusCode.OK);
        });
        var invoker = Invoker();
        var method = Method(MethodType.Unary, name);
        // Open the connection first: a burst on a channel without one may make the handler dial a second connection
        // while the first is still in its handshake.
        await invoker.AsyncUnaryCall(method, null, new CallOptions(CancellationToken: Ct), Text("warm-up"));

        for (var round = 0; round < 5; round++)
        {
            var calls = Enumerable.Range(0, 64)
                .Select(i => invoker.AsyncUnaryCall(method, null, new CallOptions(CancellationToken: Ct), Text($"{round}-{i}")).ResponseAsync)
                .ToArray();
            var responses = await Task.WhenAll(calls);
            Assert.Equal(Enumerable.Range(0, 64).Select(i => $"{round}-{i}"), responses.Select(r => r.Value));
        }

        Assert.Single(connections);
    }

    [Fact(Timeout = 10_000)]
    public async Task Unary_GetStatusBeforeCompletion_Throws()
    {
        var release = new TaskCompletionSource();
        var name = Server.Map("Slow", async context =>
        {
            await ReadAllAsync(context);
            await release.Task.WaitAsync(context.RequestAborted);
            Start(context);
            await WriteAsync(context, "done");
            Trailers(context, StatusCode.OK);
        });

        using var call = Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));

        Assert.Throws<InvalidOperationException>(() => call.GetStatus());
        Assert.Throws<InvalidOperationException>(() => call.GetTrailers());
        release.SetResult();
        Assert.Equal("done", (await call).Value);
    }
}
