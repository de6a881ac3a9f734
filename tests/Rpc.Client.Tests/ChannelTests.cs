using System.Net;
using System.Net.Sockets;
using Rpc.Interceptors;
using static Rpc.Client.Tests.ServerWire;

namespace Rpc.Client.Tests;

public sealed class ChannelTests(GrpcTestServer server) : ClientTestBase(server)
{
    [Fact(Timeout = 10_000)]
    public async Task ConnectionRefused_FailsUnavailableWithReason()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var invoker = Channel(new Uri($"http://127.0.0.1:{port}")).CreateCallInvoker();

        using var call = invoker.AsyncUnaryCall(Method(MethodType.Unary, "Any"), null, new CallOptions(CancellationToken: Ct), Text("x"));
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("refused", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(StatusCode.Unavailable, (await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync)).StatusCode);
        Assert.Equal(StatusCode.Unavailable, call.GetStatus().StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task Tls_PinnedSelfSignedCertificate_CallsOverHttp2()
    {
        var protocol = new TaskCompletionSource<(string Protocol, bool Https)>();
        var name = Server.Map("Tls", async context =>
        {
            protocol.TrySetResult((context.Request.Protocol, context.Request.IsHttps));
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "secure");
            Trailers(context, StatusCode.OK);
        });
        var invoker = Channel(Server.TlsAddress, new RpcChannelOptions
        {
            // Pin the test server's own certificate instead of trusting a CA.
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)
                    == Server.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256),
        }).CreateCallInvoker();

        var response = await invoker.AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));

        Assert.Equal("secure", response.Value);
        Assert.Equal(("HTTP/2", true), await Within(protocol.Task));
    }

    [Fact(Timeout = 10_000)]
    public async Task Tls_UntrustedCertificate_FailsUnavailable()
    {
        var invoker = Channel(Server.TlsAddress).CreateCallInvoker();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await invoker.AsyncUnaryCall(Method(MethodType.Unary, "Any"), null, new CallOptions(CancellationToken: Ct), Text("x")));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task Interceptors_RunOutermostFirstAndCanAddHeaders()
    {
        var header = new TaskCompletionSource<string>();
        var name = Server.Map("Intercepted", async context =>
        {
            header.TrySetResult(context.Request.Headers["x-intercepted"].ToString());
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "ok");
            Trailers(context, StatusCode.OK);
        });
        var order = new List<string>();
        var invoker = Invoker()
            .Intercept(metadata =>
            {
                metadata.Add("x-intercepted", "yes");
                return metadata;
            })
            .Intercept(new RecordingInterceptor("outer", order), new RecordingInterceptor("inner", order));

        var response = await invoker.AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));

        Assert.Equal("ok", response.Value);
        Assert.Equal("yes", await Within(header.Task));
        Assert.Equal(["outer", "inner"], order);
    }

    [Fact(Timeout = 10_000)]
    public async Task Address_WithPath_PrefixesRequestPath()
    {
        var path = new TaskCompletionSource<string>();
        Server.MapPath("/prefix/test.Test/Prefixed", async context =>
        {
            path.TrySetResult(context.Request.Path.Value!);
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "routed");
            Trailers(context, StatusCode.OK);
        });
        var invoker = Channel(new Uri(Server.H2cAddress, "/prefix/")).CreateCallInvoker();

        var response = await invoker.AsyncUnaryCall(Method(MethodType.Unary, "Prefixed"), null, new CallOptions(CancellationToken: Ct), Text("x"));

        Assert.Equal("routed", response.Value);
        Assert.Equal("/prefix/test.Test/Prefixed", await Within(path.Task));
    }

    [Fact(Timeout = 10_000)]
    public async Task DisposeChannel_CallInFlight_FailsCancelled()
    {
        var name = Server.Map("Pending", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "first");
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        var channel = RpcChannel.ForAddress(Server.H2cAddress);
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(Method(MethodType.ServerStreaming, name), null, new CallOptions(CancellationToken: Ct), Text("x"));
        Assert.True(await call.ResponseStream.MoveNext(Ct));

        var next = call.ResponseStream.MoveNext(Ct);
        channel.Dispose();

        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => Within(next))).StatusCode);
    }

    [Fact]
    public void DisposedChannel_NewCall_ThrowsObjectDisposed()
    {
        var channel = RpcChannel.ForAddress(Server.H2cAddress);
        var invoker = channel.CreateCallInvoker();
        channel.Dispose();

        Assert.Throws<ObjectDisposedException>(() =>
            invoker.AsyncUnaryCall(Method(MethodType.Unary, "Any"), null, default, Text("x")));
    }

    [Fact]
    public void ForAddress_WithoutHandler_CreatesPooledHandlerWithKeepAlivePings()
    {
        using var channel = RpcChannel.ForAddress(Server.H2cAddress, new RpcChannelOptions { KeepAlivePingDelay = TimeSpan.FromSeconds(30) });

        var handler = Assert.IsType<SocketsHttpHandler>(channel.HttpHandler);
        Assert.True(handler.EnableMultipleHttp2Connections);
        Assert.Equal(TimeSpan.FromSeconds(30), handler.KeepAlivePingDelay);
        Assert.Equal(TimeSpan.FromSeconds(20), handler.KeepAlivePingTimeout);
        Assert.Equal(HttpKeepAlivePingPolicy.WithActiveRequests, handler.KeepAlivePingPolicy);
        Assert.False(handler.AllowAutoRedirect);
    }

    [Fact(Timeout = 10_000)]
    public async Task HttpHandler_Supplied_CarriesCallsAndOutlivesChannel()
    {
        var name = Server.Map("OwnHandler", async context =>
        {
            await ReadAllAsync(context);
            Start(context);
            await WriteAsync(context, "via own handler");
            Trailers(context, StatusCode.OK);
        });
        using var counting = new CountingHandler(new SocketsHttpHandler());
        using (var channel = RpcChannel.ForAddress(Server.H2cAddress, new RpcChannelOptions { HttpHandler = counting }))
        {
            var response = await channel.CreateCallInvoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));
            Assert.Equal("via own handler", response.Value);
        }

        // The channel did not own the handler, so it still works after the channel is gone.
        using var again = RpcChannel.ForAddress(Server.H2cAddress, new RpcChannelOptions { HttpHandler = counting });
        await again.CreateCallInvoker().AsyncUnaryCall(Method(MethodType.Unary, name), null, new CallOptions(CancellationToken: Ct), Text("x"));
        Assert.Equal(2, counting.Requests);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:1")]
    [InlineData("127.0.0.1:5000")]
    public void ForAddress_NotHttp_Throws(string address) =>
        Assert.ThrowsAny<ArgumentException>(() => RpcChannel.ForAddress(address));

    [Fact]
    public void ForAddress_SetsTargetToAuthority()
    {
        using var channel = RpcChannel.ForAddress("http://example.test:5000");

        Assert.Equal("example.test:5000", channel.Target);
        Assert.Same(channel.CreateCallInvoker(), channel.CreateCallInvoker());
    }

    private sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class RecordingInterceptor(string name, List<string> order) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request,
            ClientInterceptorContext<TRequest, TResponse> context,
            AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            order.Add(name);
            return continuation(request, context);
        }
    }
}
