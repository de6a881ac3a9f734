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
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (NpgsqlException exception) when (IsUnavailable(exception))
        {
            throw Unavailable(context, exception);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (NpgsqlException exception) when (IsUnavailable(exception))
        {
            throw Unavailable(context, exception);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (NpgsqlException exception) when (IsUnavailable(exception))
        {
            throw Unavailable(context, exception);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (NpgsqlException exception) when (IsUnavailable(exception))
        {
            throw Unavailable(context, exception);
        }
    }

    /// <summary>
    /// Npgsql's transient errors (I/O on the connection, timeouts, resource shortages, "cannot connect now"), plus the
    /// server ending the session because it shuts down or crashed (57P01, 57P02), which Npgsql does not count as transient.
    /// </summary>
    internal static bool IsUnavailable(NpgsqlException exception) =>
        exception.IsTransient || exception is PostgresException { SqlState: "57P01" or "57P02" or "57P03" };

    private RpcException Unavailable(ServerCallContext context, NpgsqlException exception)
    {
        LogUnavailable(logger, context.Method, exception.Message);
        return new RpcException(new Status(StatusCode.Unavailable, "the database cannot be reached; try again shortly", exception));
    }

    [LoggerMessage(1, LogLevel.Warning, "{Method} failed: the database is unavailable ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string method, string reason);
}
