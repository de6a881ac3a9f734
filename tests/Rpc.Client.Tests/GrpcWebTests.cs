using System.Net;
using Rpc.Wire;
using static Rpc.Client.Tests.ServerWire;

namespace Rpc.Client.Tests;

/// <summary>gRPC-Web against a hand-written endpoint: trailers in a 0x80 frame, text mode in base64.</summary>
public sealed class GrpcWebTests(GrpcTestServer server) : ClientTestBase(server)
{
    [Theory(Timeout = 10_000)]
    [InlineData(GrpcWireFormat.Web, false)]
    [InlineData(GrpcWireFormat.WebText, false)]
    [InlineData(GrpcWireFormat.Web, true)]
    [InlineData(GrpcWireFormat.WebText, true)]
    public async Task Web_Unary_EchoesWithTrailersFromFrame(GrpcWireFormat format, bool http2)
    {
        var seen = new TaskCompletionSource<(string ContentType, string Protocol, string Marker)>();
        var name = Server.Map("WebEcho", async context =>
        {
            var text = context.Request.ContentType == GrpcProtocol.GrpcWebTextContentType;
            seen.TrySetResult((context.Request.ContentType ?? string.Empty, context.Request.Protocol, context.Request.Headers["x-grpc-web"].ToString()));
            var requests = await ReadAllWebAsync(context, text);
            context.Response.ContentType = text ? GrpcProtocol.GrpcWebTextContentType : GrpcProtocol.GrpcWebContentType;
            context.Response.Headers["x-header"] = "h";
            // Each piece base64-encoded on its own in text mode: the 14-byte frame leaves padding mid-body.
            await WriteWebAsync(context, Frame("echo:" + requests.Single()), text);
            await WriteWebAsync(context, WebTrailersFrame(StatusCode.OK, trailers: new Metadata { { "x-trailer", "t" }, { "x-trailer-bin", new byte[] { 1, 2 } } }), text);
        });
        var options = new RpcChannelOptions { WireFormat = format };
        if (http2)
        {
            options.HttpVersion = HttpVersion.Version20;
            options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        var invoker = Channel(http2 ? Server.H2cAddress : Server.Http1Address, options).CreateCallInvoker();
        using var call = invoker.AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("hi"));
        var response = await call;

        Assert.Equal("echo:hi", response.Value);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("t", call.GetTrailers().GetValue("x-trailer"));
        Assert.Equal(new byte[] { 1, 2 }, call.GetTrailers().GetValueBytes("x-trailer-bin"));
        Assert.Equal("h", (await call.ResponseHeadersAsync).GetValue("x-header"));
        var request = await Within(seen.Task);
        Assert.Equal(format == GrpcWireFormat.Web ? GrpcProtocol.GrpcWebContentType : GrpcProtocol.GrpcWebTextContentType, request.ContentType);
        Assert.Equal(http2 ? "HTTP/2" : "HTTP/1.1", request.Protocol);
        Assert.Equal("1", request.Marker);
    }

    [Theory(Timeout = 10_000)]
    [InlineData(GrpcWireFormat.Web)]
    [InlineData(GrpcWireFormat.WebText)]
    public async Task Web_ServerStreaming_ErrorStatusInTrailersFrame_Throws(GrpcWireFormat format)
    {
        var name = Server.Map("WebStream", async context =>
        {
            var text = context.Request.ContentType == GrpcProtocol.GrpcWebTextContentType;
            await ReadAllWebAsync(context, text);
            context.Response.ContentType = context.Request.ContentType;
            await WriteWebAsync(context, Frame("one"), text);
            await WriteWebAsync(context, Frame("two").Concat(Frame("three")).ToArray(), text);
            await WriteWebAsync(context, WebTrailersFrame(StatusCode.DataLoss, "lost ✗"), text);
        });
        var invoker = Channel(Server.Http1Address, new RpcChannelOptions { WireFormat = format }).CreateCallInvoker();

        using var call = invoker.AsyncServerStreamingCall(Method(MethodType.ServerStreaming, name), null, new CallOptions(CancellationToken: Ct), Text("x"));
        var received = new List<string>();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(Ct))
            {
                received.Add(call.ResponseStream.Current.Value);
            }
        });

        Assert.Equal(["one", "two", "three"], received);
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
        Assert.Equal("lost ✗", error.Status.Detail);
    }

    [Fact(Timeout = 10_000)]
    public async Task Web_TrailersOnlyInHeaders_Throws()
    {
        var name = Server.Map("WebTrailersOnly", async context =>
        {
            await ReadAllWebAsync(context, text: false);
            context.Response.ContentType = GrpcProtocol.GrpcWebContentType;
            context.Response.Headers[GrpcProtocol.StatusTrailer] = "16";
            context.Response.Headers[GrpcProtocol.MessageTrailer] = "who are you";
        });
        var invoker = Channel(Server.Http1Address, new RpcChannelOptions { WireFormat = GrpcWireFormat.Web }).CreateCallInvoker();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("who are you", error.Status.Detail);
    }

    [Fact(Timeout = 10_000)]
    public async Task Web_BodyWithoutTrailersFrame_FailsUnknown()
    {
        var name = Server.Map("WebNoTrailers", async context =>
        {
            await ReadAllWebAsync(context, text: false);
            context.Response.ContentType = GrpcProtocol.GrpcWebContentType;
            await WriteWebAsync(context, Frame("orphan"), text: false);
        });
        var invoker = Channel(Server.Http1Address, new RpcChannelOptions { WireFormat = GrpcWireFormat.Web }).CreateCallInvoker();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task Web_ConnectionReusedAcrossSequentialCalls()
    {
        var connections = new HashSet<string>();
        var name = Server.Map("WebReuse", async context =>
        {
            lock (connections)
            {
                connections.Add(context.Connection.Id);
            }

            await ReadAllWebAsync(context, text: false);
            context.Response.ContentType = GrpcProtocol.GrpcWebContentType;
            await WriteWebAsync(context, Frame("r"), text: false);
            await WriteWebAsync(context, WebTrailersFrame(StatusCode.OK), text: false);
        });
        var invoker = Channel(Server.Http1Address, new RpcChannelOptions { WireFormat = GrpcWireFormat.Web }).CreateCallInvoker();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("r", (await invoker.AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"))).Value);
        }

        Assert.Single(connections);
    }
}
