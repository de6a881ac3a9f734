namespace Rpc;

// Handlers without a service instance: what interceptors see as their continuation.

public delegate Task<TResponse> UnaryServerMethod<TRequest, TResponse>(TRequest request, ServerCallContext context)
    where TRequest : class
    where TResponse : class;

public delegate Task<TResponse> ClientStreamingServerMethod<TRequest, TResponse>(
    IAsyncStreamReader<TRequest> requestStream, ServerCallContext context)
    where TRequest : class
    where TResponse : class;

public delegate Task ServerStreamingServerMethod<TRequest, TResponse>(
    TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context)
    where TRequest : class
    where TResponse : class;

public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(
    IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context)
    where TRequest : class
    where TResponse : class;

// Handlers bound to a service type: what generated BindService methods hand to a ServiceBinder. The server
// resolves the service instance per call and passes it as the first argument.

public delegate Task<TResponse> UnaryServerMethod<TService, TRequest, TResponse>(
    TService service, TRequest request, ServerCallContext context)
    where TService : class
    where TRequest : class
    where TResponse : class;

public delegate Task<TResponse> ClientStreamingServerMethod<TService, TRequest, TResponse>(
    TService service, IAsyncStreamReader<TRequest> requestStream, ServerCallContext context)
    where TService : class
    where TRequest : class
    where TResponse : class;

public delegate Task ServerStreamingServerMethod<TService, TRequest, TResponse>(
    TService service, TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context)
    where TService : class
    where TRequest : class
    where TResponse : class;

public delegate Task DuplexStreamingServerMethod<TService, TRequest, TResponse>(
    TService service,
    IAsyncStreamReader<TRequest> requestStream,
    IServerStreamWriter<TResponse> responseStream,
    ServerCallContext context)
    where TService : class
    where TRequest : class
    where TResponse : class;
