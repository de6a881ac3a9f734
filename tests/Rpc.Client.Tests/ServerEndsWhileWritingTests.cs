using System.Net;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using Rpc.Wire;
using static Rpc.Client.Tests.ServerWire;

namespace Rpc.Client.Tests;

/// <summary>
/// The server ends a streaming call without reading the request stream while the client is writing: Kestrel sends the
/// response (trailers-only, or headers, messages and trailers) and then resets the request side with NO_ERROR. Every
/// write the client makes then, pending or later, reports how the server ended the call (its error status, or "call
/// complete" after OK), never the broken body stream; the reader still gets every message the server sent.
/// </summary>
public sealed class ServerEndsWhileWritingTests(GrpcTestServer server) : ClientTestBase(server)
{
    // Above Kestrel's initial stream window (768 KiB): the server never reads, so the write is blocked on flow control
    // when the server ends the call.
    private static readonly StringValue BlockedWrite = Text(new string('x', 1024 * 1024));

    [Theory(Timeout = 10_000)]
    [InlineData(16)]
    [InlineData(1024 * 1024)]
    public async Task Duplex_ServerRefusesTrailersOnlyWhileWriting_WritesAndReadReportServerStatus(int size)
    {
        var name = Server.Map("Refuse", context =>
        {
            TrailersOnly(context, StatusCode.Unauthenticated, "no token");
            return Task.CompletedTask;
        });

        using var call = Invoker().AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, name), null, new CallOptions(CancellationToken: Ct));
        var first = call.RequestStream.WriteAsync(Text(new string('x', size)), Ct);

        if (size > 1024)
        {
            AssertRefused(await Assert.ThrowsAsync<RpcException>(() => Within(first)));
        }
        else
        {
            // A small write may be sent before the refusal arrives; if not, it reports the refusal.
            try
            {
                await Within(first);
            }
            catch (RpcException ex)
            {
                AssertRefused(ex);
            }
        }

        AssertRefused(await Assert.ThrowsAsync<RpcException>(() => Within(call.ResponseStream.MoveNext(Ct))));
        AssertRefused(await Assert.ThrowsAsync<RpcException>(() => Within(call.RequestStream.WriteAsync(Text("late"), Ct))));
        Assert.Equal(StatusCode.Unauthenticated, call.GetStatus().StatusCode);

        static void AssertRefused(RpcException error)
        {
            Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
            Assert.Equal("no token", error.Status.Detail);
        }
    }

    [Fact(Timeout = 10_000)]
    public async Task ClientStreaming_ServerRefusesWhileWriteBlocked_WriteReportsServerStatus()
    {
        var name = Server.Map("RefuseStream", context =>
        {
            TrailersOnly(context, StatusCode.PermissionDenied, "no");
            return Task.CompletedTask;
        });

        using var call = Invoker().AsyncClientStreamingCall(Method(MethodType.ClientStreaming, name), null, new CallOptions(CancellationToken: Ct));
        var error = await Assert.ThrowsAsync<RpcException>(() => Within(call.RequestStream.WriteAsync(BlockedWrite, Ct)));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => Within(call.ResponseAsync))).StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task Duplex_ServerFailsAfterMessageWhileWriteBlocked_WriteReportsTrailersStatusAndReaderKeepsMessage()
    {
        var name = Server.Map("FailUnread", async context =>
        {
            Start(context);
            await WriteAsync(context, "a");
            context.Response.AppendTrailer("x-reason", "quota");
            Trailers(context, StatusCode.Aborted, "stopped");
        });

        using var call = Invoker().AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, name), null, new CallOptions(CancellationToken: Ct));
        var error = await Assert.ThrowsAsync<RpcException>(() => Within(call.RequestStream.WriteAsync(BlockedWrite, Ct)));

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal("stopped", error.Status.Detail);
        Assert.Equal("quota", error.Trailers.GetValue("x-reason"));
        // Finding the status did not take the message from the reader, and a later write finds it again.
        Assert.Equal(StatusCode.Aborted, (await Assert.ThrowsAsync<RpcException>(() => Within(call.RequestStream.WriteAsync(Text("late"), Ct)))).StatusCode);
        Assert.True(await Within(call.ResponseStream.MoveNext(Ct)));
        Assert.Equal("a", call.ResponseStream.Current.Value);
        var readError = await Assert.ThrowsAsync<RpcException>(() => Within(call.ResponseStream.MoveNext(Ct)));
        Assert.Equal(StatusCode.Aborted, readError.StatusCode);
        Assert.Equal("quota", readError.Trailers.GetValue("x-reason"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Duplex_ReaderMidWayThroughOneReadWhenServerFails_WriteReportsStatusAndReaderKeepsTheRestInOrder()
    {
        var name = Server.Map("FailAfterBatch", async context =>
        {
            Start(context);
            // One flush, so the client's reader gets all three messages in one read and takes them one by one.
            await WriteRawAsync(context, Frame("a").Concat(Frame("b")).Concat(Frame("c")).ToArray());
            Trailers(context, StatusCode.Aborted, "stopped");
        });

        using var call = Invoker().AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, name), null, new CallOptions(CancellationToken: Ct));
        Assert.True(await Within(call.ResponseStream.MoveNext(Ct)));
        Assert.True(await Within(call.ResponseStream.MoveNext(Ct)));
        Assert.Equal("b", call.ResponseStream.Current.Value);

        // The reader is now part-way through a read; looking for the status must not lose or repeat "c".
        var error = await Assert.ThrowsAsync<RpcException>(() => Within(call.RequestStream.WriteAsync(BlockedWrite, Ct)));
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.True(await Within(call.ResponseStream.MoveNext(Ct)));
        Assert.Equal("c", call.ResponseStream.Current.Value);
        var readError = await Assert.ThrowsAsync<RpcException>(() => Within(call.ResponseStream.MoveNext(Ct)));
        Assert.Equal(StatusCode.Aborted, readError.StatusCode);
    }

    [Theory(Timeout = 10_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Duplex_ServerCompletesOkWhileWriteBlocked_WritesThrowCallCompleteAndReaderGetsEverything(bool trailersOnly)
    {
        var name = Server.Map("DoneEarly", async context =>
        {
            if (trailersOnly)
            {
                TrailersOnly(context, StatusCode.OK);
                return;
            }

            Start(context);
            await WriteAsync(context, "a");
            Trailers(context, StatusCode.OK);
        });

        using var call = Invoker().AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, name), null, new CallOptions(CancellationToken: Ct));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Within(call.RequestStream.WriteAsync(BlockedWrite, Ct)));

        Assert.Contains("call is complete", error.Message, StringComparison.Ordinal);
        var received = new List<string>();
        while (await Within(call.ResponseStream.MoveNext(Ct)))
        {
            received.Add(call.ResponseStream.Current.Value);
        }

        string[] expected = trailersOnly ? [] : ["a"];
        Assert.Equal(expected, received);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Within(call.RequestStream.WriteAsync(Text("late"), Ct)));
    }

    [Fact(Timeout = 10_000)]
    public async Task Duplex_ReaderAndBlockedWriterWhenServerFails_BothReportServerStatusAndReaderGetsMessage()
    {
        var go = new TaskCompletionSource();
        var name = Server.Map("FailLater", async context =>
        {
            Start(context);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
            await go.Task.WaitAsync(context.RequestAborted);
            await WriteAsync(context, "a");
            await WriteAsync(context, "b");
            Trailers(context, StatusCode.ResourceExhausted, "full");
        });

        using var call = Invoker().AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, name), null, new CallOptions(CancellationToken: Ct));
        await Within(call.ResponseHeadersAsync);
        var reading = ReadAllAsync(call.ResponseStream);
        var writing = call.RequestStream.WriteAsync(BlockedWrite, Ct);
        go.SetResult();

        var writeError = await Assert.ThrowsAsync<RpcException>(() => Within(writing));
        var (received, readError) = await Within(reading);

        Assert.Equal(StatusCode.ResourceExhausted, writeError.StatusCode);
        Assert.Equal(["a", "b"], received);
        Assert.Equal(StatusCode.ResourceExhausted, readError?.StatusCode);
        Assert.Equal("full", readError?.Status.Detail);
    }

    [Theory(Timeout = 10_000)]
    [InlineData(GrpcWireFormat.Web)]
    [InlineData(GrpcWireFormat.WebText)]
    public async Task WebDuplex_ServerFailsAfterMessageWhileWriteBlocked_WriteReportsStatusFromTrailersFrame(GrpcWireFormat format)
    {
        var name = Server.Map("WebFailUnread", async context =>
        {
            var text = context.Request.ContentType == GrpcProtocol.GrpcWebTextContentType;
            context.Response.ContentType = text ? GrpcProtocol.GrpcWebTextContentType : GrpcProtocol.GrpcWebContentType;
            await WriteWebAsync(context, Frame("a"), text);
            await WriteWebAsync(context, WebTrailersFrame(StatusCode.Aborted, "stopped", new Metadata { { "x-reason", "quota" } }), text);
        });
        var options = new RpcChannelOptions { WireFormat = format, HttpVersion = HttpVersion.Version20, HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var call = Channel(Server.H2cAddress, options).CreateCallInvoker()
            .AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, name), null, new CallOptions(CancellationToken: Ct));
        var error = await Assert.ThrowsAsync<RpcException>(() => Within(call.RequestStream.WriteAsync(BlockedWrite, Ct)));

        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal("stopped", error.Status.Detail);
        Assert.Equal("quota", error.Trailers.GetValue("x-reason"));
        Assert.True(await Within(call.ResponseStream.MoveNext(Ct)));
        Assert.Equal("a", call.ResponseStream.Current.Value);
        Assert.Equal(StatusCode.Aborted, (await Assert.ThrowsAsync<RpcException>(() => Within(call.ResponseStream.MoveNext(Ct)))).StatusCode);
    }

    /// <summary>Reads to the end on its own task; the messages and the error the end brought, if any.</summary>
    private static async Task<(List<string> Messages, RpcException? Error)> ReadAllAsync(IAsyncStreamReader<StringValue> reader)
    {
        await Task.Yield();
        var messages = new List<string>();
        try
        {
            while (await reader.MoveNext(Ct))
            {
                messages.Add(reader.Current.Value);
            }

            return (messages, null);
        }
        catch (RpcException ex)
        {
            return (messages, ex);
        }
    }
}
