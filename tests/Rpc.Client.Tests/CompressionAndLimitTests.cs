using Rpc.Wire;
using static Rpc.Client.Tests.ServerWire;

namespace Rpc.Client.Tests;

public sealed class CompressionAndLimitTests(GrpcTestServer server) : ClientTestBase(server)
{
    [Fact(Timeout = 10_000)]
    public async Task Gzip_RequestCompression_SendsCompressedFlagAndEncodingHeader()
    {
        var seen = new TaskCompletionSource<(string Encoding, byte Flag)>();
        var name = Server.Map("GzipIn", async context =>
        {
            // Look at the raw first byte before decoding, so the test sees what went over the wire.
            var result = await context.Request.BodyReader.ReadAtLeastAsync(1, context.RequestAborted);
            var flag = result.Buffer.FirstSpan[0];
            context.Request.BodyReader.AdvanceTo(result.Buffer.Start);
            seen.TrySetResult((context.Request.Headers[GrpcProtocol.EncodingHeader].ToString(), flag));
            var requests = await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "got:" + requests.Single());
            Trailers(context, StatusCode.OK);
        });
        var text = new string('z', 10_000);

        var response = await Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct, RequestCompression: "gzip"), Text(text));

        Assert.Equal("got:" + text, response.Value);
        var (encoding, flag) = await Within(seen.Task);
        Assert.Equal("gzip", encoding);
        Assert.Equal(GrpcProtocol.CompressedFlag, flag);
    }

    [Fact(Timeout = 10_000)]
    public async Task Gzip_NoCompressWriteFlag_SendsThatMessageUncompressed()
    {
        var flags = new List<byte>();
        var name = Server.Map("Flags", async context =>
        {
            var body = context.Request.BodyReader;
            var reader = CreateReader(context);
            while (true)
            {
                var peek = await body.ReadAsync(context.RequestAborted);
                if (peek.Buffer.IsEmpty && peek.IsCompleted)
                {
                    break;
                }

                flags.Add(peek.Buffer.FirstSpan[0]);
                body.AdvanceTo(peek.Buffer.Start);
                await reader.ReadAsync(body, Strings, context.RequestAborted);
            }

            Start(context);
            await WriteAsync(context, "ok");
            Trailers(context, StatusCode.OK);
        });

        using var call = Invoker().AsyncClientStreamingCall(Method(MethodType.ClientStreaming, name), null, new CallOptions(CancellationToken: Ct, RequestCompression: "gzip"));
        await call.RequestStream.WriteAsync(Text("compressed"), Ct);
        call.RequestStream.WriteOptions = new WriteOptions(WriteFlags.NoCompress);
        await call.RequestStream.WriteAsync(Text("plain"), Ct);
        await call.RequestStream.CompleteAsync();
        await call;

        Assert.Equal([GrpcProtocol.CompressedFlag, (byte)0], flags);
    }

    [Fact(Timeout = 10_000)]
    public async Task Gzip_CompressedResponse_IsDecompressed()
    {
        var name = Server.Map("GzipOut", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            context.Response.Headers[GrpcProtocol.EncodingHeader] = "gzip";
            await WriteAsync(context, "inflated", new GzipCompressionProvider());
            Trailers(context, StatusCode.OK);
        });

        var response = await Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));

        Assert.Equal("inflated", response.Value);
    }

    [Fact(Timeout = 10_000)]
    public async Task UnknownResponseEncoding_CompressedMessage_FailsInternal()
    {
        var name = Server.Map("Snappy", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            context.Response.Headers[GrpcProtocol.EncodingHeader] = "snappy";
            await WriteAsync(context, "?", new GzipCompressionProvider());
            Trailers(context, StatusCode.OK);
        });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Contains("snappy", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task UnknownResponseEncoding_OnlyUncompressedMessages_Succeeds()
    {
        var name = Server.Map("SnappyUnused", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            context.Response.Headers[GrpcProtocol.EncodingHeader] = "snappy";
            await WriteAsync(context, "plain");
            Trailers(context, StatusCode.OK);
        });

        var response = await Invoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));

        Assert.Equal("plain", response.Value);
    }

    [Fact]
    public void RequestCompression_NotAmongProviders_ThrowsAtStart()
    {
        var invoker = Invoker();

        Assert.Throws<InvalidOperationException>(() =>
            invoker.AsyncUnaryCall(Method(MethodType.Unary, "Any"), null, new CallOptions(RequestCompression: "brotli"), Text("x")));
    }

    [Fact(Timeout = 10_000)]
    public async Task SendLimit_Exceeded_FailsResourceExhaustedWithoutSending()
    {
        var requests = 0;
        var name = Server.Map("BigIn", context =>
        {
            Interlocked.Increment(ref requests);
            TrailersOnly(context, StatusCode.OK);
            return Task.CompletedTask;
        });
        var wait = Server.Map("Wait", context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        var invoker = Invoker(new RpcChannelOptions { MaxSendMessageSize = 100 });

        var unary = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text(new string('x', 200))));
        using var stream = invoker.AsyncClientStreamingCall(Method(MethodType.ClientStreaming, wait), null, new CallOptions(CancellationToken: Ct));
        var write = await Assert.ThrowsAsync<RpcException>(() => stream.RequestStream.WriteAsync(Text(new string('x', 200)), Ct));

        Assert.Equal(StatusCode.ResourceExhausted, unary.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, write.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, (await Assert.ThrowsAsync<RpcException>(() => stream.ResponseAsync)).StatusCode);
        Assert.Equal(0, Volatile.Read(ref requests));
    }

    [Fact(Timeout = 10_000)]
    public async Task ReceiveLimit_Exceeded_FailsResourceExhausted()
    {
        var name = Server.Map("BigOut", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, new string('y', 5_000));
            Trailers(context, StatusCode.OK);
        });
        var invoker = Invoker(new RpcChannelOptions { MaxReceiveMessageSize = 1_000 });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task ReceiveLimit_Default_Allows4MiBAndRejectsMore()
    {
        var name = Server.Map("Huge", async context =>
        {
            var size = int.Parse((await ReadAllAsync(context)).Single(), System.Globalization.CultureInfo.InvariantCulture);
            Start(context);
            // A StringValue of n (about 4 million) characters is n + 5 bytes: a tag byte and a 4-byte length.
            await WriteAsync(context, new string('q', size - 5));
            Trailers(context, StatusCode.OK);
        });
        var invoker = Invoker();
        var method = Method(MethodType.Unary, name);

        var fits = await invoker.AsyncUnaryCall(method, null, new CallOptions(CancellationToken: Ct), Text((4 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(method, null, new CallOptions(CancellationToken: Ct), Text((4 * 1024 * 1024 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))));

        Assert.Equal(4 * 1024 * 1024 - 5, fits.Value.Length);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }
}
