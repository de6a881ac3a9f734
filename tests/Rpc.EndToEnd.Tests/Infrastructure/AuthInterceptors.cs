using System.Collections.Concurrent;
using Rpc.Interceptors;

namespace Rpc.EndToEnd.Tests.Infrastructure;

/// <summary>Client side: adds <c>authorization: Bearer {token}</c> to every call, of every kind.</summary>
internal static class BearerToken
{
    /// <summary>Wraps the invoker with the runtime's own header-adding interceptor.</summary>
    public static CallInvoker WithBearerToken(this CallInvoker invoker, string token) =>
        invoker.Intercept(headers =>
        {
            headers.Add("authorization", "Bearer " + token);
            return headers;
        });
}

/// <summary>
/// Server side: rejects a call without <c>authorization: Bearer {expected}</c> with UNAUTHENTICATED before the handler
/// runs. It throws synchronously, as a typical guard does, rather than returning a faulted task.
/// </summary>
internal sealed class BearerAuthInterceptor(string expected) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue("authorization") != "Bearer " + expected)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "A valid bearer token is required."));
        }
    }
}

/// <summary>Server side, outermost: records every call's method and final status, whichever layer decided it.</summary>
internal sealed class StatusLoggingInterceptor(StatusLog log) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            var response = await continuation(request, context);
            log.Record(context.Method, context.Status.StatusCode);
            return response;
        }
        catch (RpcException ex)
        {
            log.Record(context.Method, ex.StatusCode);
            throw;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            var response = await continuation(requestStream, context);
            log.Record(context.Method, context.Status.StatusCode);
            return response;
        }
        catch (RpcException ex)
        {
            log.Record(context.Method, ex.StatusCode);
            throw;
        }
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
        => ObserveAsync(context, () => continuation(request, responseStream, context));

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
        => ObserveAsync(context, () => continuation(requestStream, responseStream, context));

    private async Task ObserveAsync(ServerCallContext context, Func<Task> handler)
    {
        try
        {
            await handler();
            log.Record(context.Method, context.Status.StatusCode);
        }
        catch (RpcException ex)
        {
            log.Record(context.Method, ex.StatusCode);
            throw;
        }
    }
}

/// <summary>What <see cref="StatusLoggingInterceptor"/> saw, in order.</summary>
internal sealed class StatusLog
{
    private readonly ConcurrentQueue<(string Method, StatusCode Status)> _entries = new();

    public IReadOnlyCollection<(string Method, StatusCode Status)> Entries => _entries;

    public void Record(string method, StatusCode status) => _entries.Enqueue((method, status));
}
