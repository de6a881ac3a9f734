using Microsoft.AspNetCore.Http;
using static Rpc.Client.Tests.ServerWire;

namespace Rpc.Client.Tests;

public sealed class StreamingCallTests(GrpcTestServer server) : ClientTestBase(server)
{
    [Fact(Timeout = 10_000)]
    public async Task ServerStreaming_SeveralFramesInOneDataFrame_ReadsAllInOrder()
    {
        var name = Server.Map("Packed", async context =>
        {
            var request = (await ReadAllAsync(context)).Single();
            Start(context);
            // Three frames in one write and one flush, then two more one by one.
            await WriteRawAsync(context, Frame(request + "1").Concat(Frame(request + "2")).Concat(Frame(request + "3")).ToArray());
            await WriteAsync(context, request + "4");
            await WriteAsync(context, request + "5");
            Trailers(context, StatusCode.OK);
        });

        using var call = Invoker().AsyncServerStreamingCall(Method(MethodType.ServerStreaming, name), null, new CallOptions(CancellationToken: Ct), Text("m"));
        var received = new List<string>();
        await foreach (var message in call.ResponseStream.ReadAllAsync(Ct))
        {
            received.Add(message.Value);
        }

        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], received);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.False(await call.ResponseStream.MoveNext(Ct));
    }

    [Fact(Timeout = 10_000)]
    public async Task ServerStreaming_MessagesSpanningSeveralBlocks_ReadIntoTheChannelsPoolWhichKeepsThem()
    {
        // 40 KiB of messages, several of them straddling the 16 KiB blocks the channel reads streams into.
        var sizes = new[] { 7000, 12000, 3, 15000, 9000 };
        var name = Server.Map("Blocks", async context =>
        {
            var request = (await ReadAllAsync(context)).Single();
            Start(context);
            foreach (var size in request == "big" ? sizes : [10])
            {
                await WriteAsync(context, new string('x', size));
            }

            Trailers(context, StatusCode.OK);
        });
        var channel = Channel(Server.H2cAddress);
        var pool = channel.ResponseBuffers;

        async Task<List<int>> StreamAsync(string request)
        {
            using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(Method(MethodType.ServerStreaming, name), null, new CallOptions(CancellationToken: Ct), Text(request));
            var lengths = new List<int>();
            await foreach (var message in call.ResponseStream.ReadAllAsync(Ct))
            {
                lengths.Add(message.Value.Length);
            }

            return lengths;
        }

        Assert.Equal(sizes, await StreamAsync("big"));
        var created = pool.CreatedCount;
        Assert.InRange(created, 1, 4);
        Assert.Equal(created, pool.IdleCount); // every block came back when the body was done with it

        // One small message needs one block: an idle one is taken again rather than a new one made.
        Assert.Equal([10], await StreamAsync("small"));
        Assert.Equal(created, pool.CreatedCount);
        Assert.Equal(created, pool.IdleCount);
    }

    [Fact(Timeout = 10_000)]
    public async Task ServerStreaming_ErrorStatusAfterMessages_MoveNextThrowsWithTrailers()
    {
        var name = Server.Map("FailLate", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "a");
            await WriteAsync(context, "b");
            context.Response.AppendTrailer("x-reason", "quota");
            Trailers(context, StatusCode.Aborted, "stopped");
        });

        using var call = Invoker().AsyncServerStreamingCall(Method(MethodType.ServerStreaming, name), null, new CallOptions(CancellationToken: Ct), Text("m"));

        Assert.True(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal("a", call.ResponseStream.Current.Value);
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal("b", call.ResponseStream.Current.Value);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.Aborted, error.StatusCode);
        Assert.Equal("stopped", error.Status.Detail);
        Assert.Equal("quota", error.Trailers.GetValue("x-reason"));
        Assert.Equal(StatusCode.Aborted, call.GetStatus().StatusCode);
        // Reading on after the end keeps reporting the same status.
        Assert.Equal(StatusCode.Aborted, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct))).StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task ClientStreaming_WritesThenCompletes_ServerReceivesAllMessages()
    {
        var name = Server.Map("Collect", async context =>
        {
            var requests = await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, string.Join(",", requests));
            Trailers(context, StatusCode.OK);
        });

        using var call = Invoker().AsyncClientStreamingCall(Method(MethodType.ClientStreaming, name), null, new CallOptions(CancellationToken: Ct));
        await call.RequestStream.WriteAsync(Text("a"), Ct);
        await call.RequestStream.WriteAsync(Text("b"), Ct);
        await call.RequestStream.WriteAsync(Text("c"), Ct);
        await call.RequestStream.CompleteAsync();

        Assert.Equal("a,b,c", (await call).Value);
        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RequestStream.WriteAsync(Text("late"), Ct));
    }

    [Fact(Timeout = 10_000)]
    public async Task ClientStreaming_ServerFailsWithoutReading_ResponseAndLaterWritesReportServerStatus()
    {
        var name = Server.Map("Refuse", context =>
        {
            TrailersOnly(context, StatusCode.PermissionDenied, "no");
            return Task.CompletedTask;
        });
        var invoker = Invoker();
        // A first call settles the connection, so nothing but the call itself can push its request headers out: the
        // client must send them before its first message, or the server never sees the call.
        await Assert.ThrowsAsync<RpcException>(async () => await invoker.AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("warm")));

        using var call = invoker.AsyncClientStreamingCall(Method(MethodType.ClientStreaming, name), null, new CallOptions(CancellationToken: Ct));
        var error = await Assert.ThrowsAsync<RpcException>(() => Within(call.ResponseAsync));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        var writeError = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(Text("x"), Ct));
        Assert.Equal(StatusCode.PermissionDenied, writeError.StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task Duplex_ReadsResponsesBeforeRequestStreamCompletes()
    {
        var name = Server.Map("Ping", async context =>
        {
            Start(context);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
            var reader = CreateReader(context);
            while (await reader.ReadAsync(context.Request.BodyReader, Strings, context.RequestAborted) is { } message)
            {
                await WriteAsync(context, "pong:" + message.Value);
            }

            Trailers(context, StatusCode.OK);
        });

        using var call = Invoker().AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, name), null, new CallOptions(CancellationToken: Ct));
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(Text($"p{i}"), Ct);
            Assert.True(await call.ResponseStream.MoveNext(Ct));
            Assert.Equal($"pong:p{i}", call.ResponseStream.Current.Value);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task Duplex_ConcurrentWrites_SecondWriteThrows()
    {
        var name = Server.Map("Stall", async context =>
        {
            Start(context);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });

        using var call = Invoker().AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, name), null, new CallOptions(CancellationToken: Ct));
        // The server never reads, so a write larger than the flow-control window stays pending.
        var big = Text(new string('x', 1024 * 1024));
        var first = call.RequestStream.WriteAsync(big, Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => call.RequestStream.WriteAsync(Text("y"), Ct));
        call.Dispose();
        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => first)).StatusCode);
    }

    [Theory(Timeout = 10_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerStreaming_DisposeMidStream_AbortsServerAndChannelStaysUsable(bool readerHoldsUntakenMessage)
    {
        var aborted = new TaskCompletionSource();
        var streaming = Server.Map("Endless", async context =>
        {
            context.RequestAborted.Register(() => aborted.TrySetResult());
            await ReadAllAsync(context);
            Start(context);
            if (readerHoldsUntakenMessage)
            {
                // One flush: the reader takes "first" and "second" from one read and holds it, with "third" untaken.
                await WriteRawAsync(context, Frame("first").Concat(Frame("second")).Concat(Frame("third")).ToArray());
            }
            else
            {
                await WriteAsync(context, "first");
            }

            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        var unary = Server.Map("After", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "still works");
            Trailers(context, StatusCode.OK);
        });
        var invoker = Invoker();

        var call = invoker.AsyncServerStreamingCall(Method(MethodType.ServerStreaming, streaming), null, new CallOptions(CancellationToken: Ct), Text("x"));
        Assert.True(await call.ResponseStream.MoveNext(Ct));
        if (readerHoldsUntakenMessage)
        {
            Assert.True(await call.ResponseStream.MoveNext(Ct));
            Assert.Equal("second", call.ResponseStream.Current.Value);
        }

        call.Dispose();

        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Equal(StatusCode.Cancelled, call.GetStatus().StatusCode);
        var next = await invoker.AsyncUnaryCall(Method(MethodType.Unary, unary), null, new CallOptions(CancellationToken: Ct), Text("x"));
        Assert.Equal("still works", next.Value);
    }

    [Fact(Timeout = 10_000)]
    public async Task Duplex_DisposeWithRequestStreamOpen_ServerSeesAbort()
    {
        var aborted = new TaskCompletionSource();
        var received = new TaskCompletionSource<string>();
        var name = Server.Map("DuplexAbort", async context =>
        {
            context.RequestAborted.Register(() => aborted.TrySetResult());
            var reader = CreateReader(context);
            var first = await reader.ReadAsync(context.Request.BodyReader, Strings, context.RequestAborted);
            received.TrySetResult(first!.Value);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });

        var call = Invoker().AsyncDuplexStreamingCall(Method(MethodType.DuplexStreaming, name), null, new CallOptions(CancellationToken: Ct));
        await call.RequestStream.WriteAsync(Text("hello"), Ct);
        Assert.Equal("hello", await Within(received.Task));
        call.Dispose();

        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(Text("late"), Ct))).StatusCode);
    }

    [Theory(Timeout = 10_000)]
    [InlineData(false)]
    [InlineData(true)] // the read does not register the call's own token again; the call's registration cancels it
    public async Task ServerStreaming_MoveNextTokenCancelled_CancelsCall(bool readTokenIsCallToken)
    {
        var aborted = new TaskCompletionSource();
        var name = Server.Map("Wait", async context =>
        {
            context.RequestAborted.Register(() => aborted.TrySetResult());
            await ReadAllAsync(context);
            Start(context);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });

        using var readTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var callToken = readTokenIsCallToken ? readTimeout.Token : Ct;
        using var call = Invoker().AsyncServerStreamingCall(Method(MethodType.ServerStreaming, name), null, new CallOptions(CancellationToken: callToken), Text("x"));

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(readTimeout.Token));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }
}
