using System.Runtime.CompilerServices;

namespace Rpc;

/// <summary>
/// The state behind a client call object, provided by the transport: headers, status and trailers once they
/// arrive, and disposal (which cancels the call if it has not finished).
/// </summary>
public interface ICallState : IDisposable
{
    /// <summary>Completes with the response headers (empty for a trailers-only response).</summary>
    Task<Metadata> ResponseHeadersAsync { get; }

    /// <summary>The final status; throws <see cref="InvalidOperationException"/> before the call finished.</summary>
    Status GetStatus();

    /// <summary>The trailers; throws <see cref="InvalidOperationException"/> before the call finished.</summary>
    Metadata GetTrailers();
}

/// <summary>A unary call in flight. Await it for the response.</summary>
public sealed class AsyncUnaryCall<TResponse>(Task<TResponse> responseAsync, ICallState state) : IDisposable
{
    public Task<TResponse> ResponseAsync { get; } = responseAsync;

    public Task<Metadata> ResponseHeadersAsync => state.ResponseHeadersAsync;

    public Status GetStatus() => state.GetStatus();

    public Metadata GetTrailers() => state.GetTrailers();

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    public ConfiguredTaskAwaitable<TResponse> ConfigureAwait(bool continueOnCapturedContext) =>
        ResponseAsync.ConfigureAwait(continueOnCapturedContext);

    /// <summary>Cancels the call if it is still running and releases its resources.</summary>
    public void Dispose() => state.Dispose();
}

/// <summary>A server-streaming call in flight.</summary>
public sealed class AsyncServerStreamingCall<TResponse>(IAsyncStreamReader<TResponse> responseStream, ICallState state) : IDisposable
{
    public IAsyncStreamReader<TResponse> ResponseStream { get; } = responseStream;

    public Task<Metadata> ResponseHeadersAsync => state.ResponseHeadersAsync;

    public Status GetStatus() => state.GetStatus();

    public Metadata GetTrailers() => state.GetTrailers();

    public void Dispose() => state.Dispose();
}

/// <summary>A client-streaming call in flight: write requests, complete, then await the response.</summary>
public sealed class AsyncClientStreamingCall<TRequest, TResponse>(
    IClientStreamWriter<TRequest> requestStream,
    Task<TResponse> responseAsync,
    ICallState state) : IDisposable
{
    public IClientStreamWriter<TRequest> RequestStream { get; } = requestStream;

    public Task<TResponse> ResponseAsync { get; } = responseAsync;

    public Task<Metadata> ResponseHeadersAsync => state.ResponseHeadersAsync;

    public Status GetStatus() => state.GetStatus();

    public Metadata GetTrailers() => state.GetTrailers();

    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    public void Dispose() => state.Dispose();
}

/// <summary>A bidirectional call in flight.</summary>
public sealed class AsyncDuplexStreamingCall<TRequest, TResponse>(
    IClientStreamWriter<TRequest> requestStream,
    IAsyncStreamReader<TResponse> responseStream,
    ICallState state) : IDisposable
{
    public IClientStreamWriter<TRequest> RequestStream { get; } = requestStream;

    public IAsyncStreamReader<TResponse> ResponseStream { get; } = responseStream;

    public Task<Metadata> ResponseHeadersAsync => state.ResponseHeadersAsync;

    public Status GetStatus() => state.GetStatus();

    public Metadata GetTrailers() => state.GetTrailers();

    public void Dispose() => state.Dispose();
}
