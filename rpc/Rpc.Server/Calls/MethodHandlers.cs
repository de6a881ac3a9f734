namespace Rpc.Server.Calls;

// One handler type per call kind. Each call runs in a single async method: read, invoke, write, end.

internal sealed class UnaryMethodHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    UnaryServerMethod<TRequest, TResponse> invoker,
    RpcServiceState service,
    RpcServerRuntime runtime) : MethodHandler(method, service, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override async Task RunCallAsync(ServerCall call)
    {
        Exception? error = null;
        try
        {
            var request = await call.ReadSingleMessageAsync(method.RequestMarshaller).ConfigureAwait(false);
            var response = await invoker(request, call).ConfigureAwait(false);
            await call.WriteResponseAsync(response, method.ResponseMarshaller).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        await EndCallAsync(call, error).ConfigureAwait(false);
    }
}

internal sealed class ServerStreamingMethodHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    ServerStreamingServerMethod<TRequest, TResponse> invoker,
    RpcServiceState service,
    RpcServerRuntime runtime) : MethodHandler(method, service, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override async Task RunCallAsync(ServerCall call)
    {
        Exception? error = null;
        try
        {
            var request = await call.ReadSingleMessageAsync(method.RequestMarshaller).ConfigureAwait(false);
            await invoker(request, new ResponseStreamWriter<TResponse>(call, method.ResponseMarshaller), call).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        await EndCallAsync(call, error).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingMethodHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    ClientStreamingServerMethod<TRequest, TResponse> invoker,
    RpcServiceState service,
    RpcServerRuntime runtime) : MethodHandler(method, service, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override async Task RunCallAsync(ServerCall call)
    {
        Exception? error = null;
        try
        {
            var requestStream = new RequestStreamReader<TRequest>(call, method.RequestMarshaller);
            var response = await invoker(requestStream, call).ConfigureAwait(false);
            await call.WriteResponseAsync(response, method.ResponseMarshaller).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        await EndCallAsync(call, error).ConfigureAwait(false);
    }
}

internal sealed class DuplexStreamingMethodHandler<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    DuplexStreamingServerMethod<TRequest, TResponse> invoker,
    RpcServiceState service,
    RpcServerRuntime runtime) : MethodHandler(method, service, runtime)
    where TRequest : class
    where TResponse : class
{
    protected override async Task RunCallAsync(ServerCall call)
    {
        Exception? error = null;
        try
        {
            await invoker(
                new RequestStreamReader<TRequest>(call, method.RequestMarshaller),
                new ResponseStreamWriter<TResponse>(call, method.ResponseMarshaller),
                call).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        await EndCallAsync(call, error).ConfigureAwait(false);
    }
}
