using DevServer.Contracts.Mesh.V1;
using Npgsql;
using Rpc;
using Rpc.Interceptors;
using HealthService = Rpc.Health.V1.Health;

namespace DevServer.Orchestrator.Auth;

/// <summary>
/// Every call but health needs <c>authorization: Bearer &lt;token&gt;</c> with an active token: missing or unknown →
/// UNAUTHENTICATED, a worker token outside the mesh → PERMISSION_DENIED. The caller is put into
/// <see cref="ServerCallContext.UserState"/> (<see cref="ApiCallerExtensions.GetApiCaller"/>). Registered outermost, so
/// a refused call costs nothing else.
/// </summary>
internal sealed partial class ApiAuthenticationInterceptor(ApiTokenCache tokens, ILogger<ApiAuthenticationInterceptor> logger) : Interceptor
{
    private const string Scheme = "Bearer ";

    private static readonly string OpenService = HealthService.Descriptor.FullName;
    private static readonly string WorkerService = MeshService.Descriptor.FullName;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request,
        ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async ValueTask AuthenticateAsync(ServerCallContext context)
    {
        var service = ServiceOf(context.Method);
        if (service.SequenceEqual(OpenService))
        {
            return;
        }

        var isWorkerService = service.SequenceEqual(WorkerService);

        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length == Scheme.Length)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing bearer token"));
        }

        ApiCaller? caller;
        try
        {
            caller = await tokens.FindAsync(header[Scheme.Length..].Trim(), context.CancellationToken);
        }
        catch (NpgsqlException ex)
        {
            LogStoreUnavailable(logger, ex, context.Method);
            throw new RpcException(new Status(StatusCode.Unavailable, "the token store is unavailable"));
        }

        if (caller is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "unknown or revoked token"));
        }

        if (caller.IsWorker && !isWorkerService)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"a worker token may only call {WorkerService}"));
        }

        context.UserState[ApiCallerExtensions.UserStateKey] = caller;
    }

    /// <summary><c>/pkg.Service/Method</c> → <c>pkg.Service</c>.</summary>
    private static ReadOnlySpan<char> ServiceOf(string method)
    {
        var slash = method.LastIndexOf('/');
        return slash > 1 ? method.AsSpan(1, slash - 1) : method.AsSpan();
    }

    [LoggerMessage(1, LogLevel.Warning, "Authentication of {Method} failed: the token store is unavailable")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception exception, string method);
}
