using Npgsql;
using Rpc;
using Rpc.Interceptors;

namespace DevServer.Orchestrator.Data;

/// <summary>
/// A call that fails because the database cannot be reached (connection refused, a server starting up or shutting
/// down, a connection cut, the pool timing out) ends with UNAVAILABLE. That is gRPC's status for "try again later",
/// which clients and retry policies act on. Without it the runtime answers UNKNOWN, "Exception was thrown by handler",
/// which is the status for a bug. Other database errors keep that answer: they are bugs, and retrying will not fix them.
/// </summary>
internal sealed partial class DatabaseUnavailableInterceptor(ILogger<DatabaseUnavailableInterceptor> logger) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, async () =>
        {
            await continuation(request, responseStream, context);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        GuardAsync(context, async () =>
        {
            await continuation(requestStream, responseStream, context);
            return true;
        });

    /// <summary>Runs a call of any kind (streaming ones return a dummy result), turning an unreachable database into UNAVAILABLE.</summary>
    private async Task<T> GuardAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (NpgsqlException exception) when (DatabaseErrors.IsUnreachable(exception))
        {
            LogUnavailable(logger, context.Method, exception.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "the database cannot be reached; try again shortly", exception));
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "{Method} failed: the database is unavailable ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string method, string reason);
}
