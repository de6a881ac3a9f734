namespace Rpc.CodeGen.Tests.Infrastructure;

/// <summary>One call a typed client started.</summary>
internal sealed record StartedCall(string InvokerMethod, IMethod Method, string? Host, CallOptions Options, object? Request);

/// <summary>
/// A call invoker that records what a generated client asks for and hands back inert call objects (the transport
/// is tested elsewhere; here only the client's choice of method, options and request matters).
/// </summary>
internal sealed class RecordingCallInvoker : CallInvoker
{
    public List<StartedCall> Calls { get; } = [];

    public StartedCall Single => Assert.Single(Calls);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Calls.Add(new StartedCall(nameof(AsyncUnaryCall), method, host, options, request));
        return new AsyncUnaryCall<TResponse>(Task.FromException<TResponse>(new InvalidOperationException("inert")), new InertCallState());
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Calls.Add(new StartedCall(nameof(AsyncServerStreamingCall), method, host, options, request));
        return new AsyncServerStreamingCall<TResponse>(new EmptyReader<TResponse>(), new InertCallState());
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Calls.Add(new StartedCall(nameof(AsyncClientStreamingCall), method, host, options, null));
        return new AsyncClientStreamingCall<TRequest, TResponse>(
            new DiscardingWriter<TRequest>(),
            Task.FromException<TResponse>(new InvalidOperationException("inert")),
            new InertCallState());
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        Calls.Add(new StartedCall(nameof(AsyncDuplexStreamingCall), method, host, options, null));
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            new DiscardingWriter<TRequest>(), new EmptyReader<TResponse>(), new InertCallState());
    }

    private sealed class InertCallState : ICallState
    {
        public Task<Metadata> ResponseHeadersAsync { get; } = Task.FromResult(new Metadata());

        public Status GetStatus() => Status.DefaultSuccess;

        public Metadata GetTrailers() => new();

        public void Dispose()
        {
        }
    }

    private sealed class EmptyReader<T> : IAsyncStreamReader<T>
    {
        public T Current => throw new InvalidOperationException("The stream is empty.");

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Task.FromResult(false);
    }

    private sealed class DiscardingWriter<T> : IClientStreamWriter<T>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(T message, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task CompleteAsync() => Task.CompletedTask;
    }
}
