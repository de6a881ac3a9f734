using Grpc.Testing;
using Rpc.CodeGen.Tests.Infrastructure;

namespace Rpc.CodeGen.Tests.GeneratedCode;

public sealed class ClientTests
{
    private static readonly DateTime Deadline = new(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    [Fact]
    public void UnaryAsync_HeadersDeadlineAndToken_ReachTheInvokerAsCallOptions()
    {
        var invoker = new RecordingCallInvoker();
        var client = new TestService.TestServiceClient(invoker);
        var headers = new Metadata { { "x-trace", "abc" } };
        using var cancellation = new CancellationTokenSource();
        var request = new SimpleRequest { ResponseSize = 3 };

        using var call = client.UnaryCallAsync(request, headers, Deadline, cancellation.Token);

        var started = invoker.Single;
        Assert.Equal("AsyncUnaryCall", started.InvokerMethod);
        Assert.Equal("/grpc.testing.TestService/UnaryCall", started.Method.FullName);
        Assert.Equal(MethodType.Unary, started.Method.Type);
        Assert.Null(started.Host);
        Assert.Same(request, started.Request);
        Assert.Same(headers, started.Options.Headers);
        Assert.Equal(Deadline, started.Options.Deadline);
        Assert.Equal(cancellation.Token, started.Options.CancellationToken);
    }

    [Fact]
    public void UnaryAsync_NoOptionalArguments_SendsDefaultCallOptions()
    {
        var invoker = new RecordingCallInvoker();

#pragma warning disable xUnit1051 // Leaving the token out is the point: the client must then send default options.
        using var call = new TestService.TestServiceClient(invoker).EmptyCallAsync(new Empty());
#pragma warning restore xUnit1051

        Assert.Equal(default, invoker.Single.Options);
        Assert.Equal("/grpc.testing.TestService/EmptyCall", invoker.Single.Method.FullName);
    }

    [Fact]
    public void CallOptionsOverloads_EveryCallKind_PassTheOptionsUnchanged()
    {
        var invoker = new RecordingCallInvoker();
        var client = new TestService.TestServiceClient(invoker);
        var options = new CallOptions(new Metadata { { "k", "v" } }, Deadline, default, WriteOptions.Default, "gzip");

        using (client.UnaryCallAsync(new SimpleRequest(), options))
        using (client.StreamingOutputCall(new StreamingOutputCallRequest(), options))
        using (client.StreamingInputCall(options))
        using (client.FullDuplexCall(options))
        using (client.HalfDuplexCall(options))
        {
        }

        Assert.Equal(
            [
                ("AsyncUnaryCall", "/grpc.testing.TestService/UnaryCall"),
                ("AsyncServerStreamingCall", "/grpc.testing.TestService/StreamingOutputCall"),
                ("AsyncClientStreamingCall", "/grpc.testing.TestService/StreamingInputCall"),
                ("AsyncDuplexStreamingCall", "/grpc.testing.TestService/FullDuplexCall"),
                ("AsyncDuplexStreamingCall", "/grpc.testing.TestService/HalfDuplexCall"),
            ],
            invoker.Calls.Select(c => (c.InvokerMethod, c.Method.FullName)));
        Assert.All(invoker.Calls, c => Assert.Equal(options, c.Options));
    }

    [Fact]
    public void StreamingMethods_OptionalArguments_BuildCallOptions()
    {
        var invoker = new RecordingCallInvoker();
        var client = new TestService.TestServiceClient(invoker);
        var headers = new Metadata { { "a", "1" } };
        var request = new StreamingOutputCallRequest();

#pragma warning disable xUnit1051 // Leaving the token out is the point: the client must then send no token.
        using (client.StreamingOutputCall(request, headers))
        using (client.StreamingInputCall(deadline: Deadline))
#pragma warning restore xUnit1051
        using (client.FullDuplexCall(headers, Deadline, TestContext.Current.CancellationToken))
        {
        }

        Assert.Same(request, invoker.Calls[0].Request);
        Assert.Same(headers, invoker.Calls[0].Options.Headers);
        Assert.Equal(new CallOptions(Deadline: Deadline), invoker.Calls[1].Options);
        Assert.Equal(new CallOptions(headers, Deadline, TestContext.Current.CancellationToken), invoker.Calls[2].Options);
    }

    [Fact]
    public void ClientAndBinder_SameRpc_ShareOneMethodInstance()
    {
        var invoker = new RecordingCallInvoker();
        var binder = new RecordingServiceBinder<TestServiceImplementation>();
        TestService.BindService(binder);

        using var call = new TestService.TestServiceClient(invoker).UnaryCallAsync(
            new SimpleRequest(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Same(binder["UnaryCall"].Method, invoker.Single.Method);
    }

    [Fact]
    public void Client_PublicMethods_AreAllAsynchronousCalls()
    {
        var callTypes = new[]
        {
            typeof(AsyncUnaryCall<>), typeof(AsyncServerStreamingCall<>),
            typeof(AsyncClientStreamingCall<,>), typeof(AsyncDuplexStreamingCall<,>),
        };
        var methods = typeof(TestService.TestServiceClient)
            .GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly);

        // Two overloads per RPC, and none of them blocks: no synchronous UnaryCall(request) method exists.
        Assert.Equal(16, methods.Length);
        Assert.All(methods, m => Assert.Contains(m.ReturnType.GetGenericTypeDefinition(), callTypes));
        Assert.DoesNotContain(methods, m => m.Name is "UnaryCall" or "EmptyCall");
    }

    [Fact]
    public void Client_ChannelConstructor_StartsCallsOnTheChannelsInvoker()
    {
        var invoker = new RecordingCallInvoker();

        using var call = new UnimplementedService.UnimplementedServiceClient(new FixedChannel(invoker)).UnimplementedCallAsync(
            new Empty(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("/grpc.testing.UnimplementedService/UnimplementedCall", invoker.Single.Method.FullName);
    }

    private sealed class FixedChannel(CallInvoker invoker) : ChannelBase("test")
    {
        public override CallInvoker CreateCallInvoker() => invoker;
    }
}
