using Rpc.Server.Calls;

namespace Rpc.Server.Binding;

/// <summary>
/// The binder generated <c>BindService</c> methods call: turns each method and its static handler lambda into
/// a <see cref="MethodHandler"/> (service activation and interceptors composed once, here).
/// </summary>
internal sealed class EndpointServiceBinder<TService>(
    ServiceActivator<TService> activator,
    InterceptorPipeline interceptors,
    RpcServiceState service,
    RpcServerRuntime runtime) : ServiceBinder<TService>
    where TService : class
{
    public List<MethodHandler> Handlers { get; } = [];

    public override void AddUnaryMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, UnaryServerMethod<TService, TRequest, TResponse> handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        UnaryServerMethod<TRequest, TResponse> invoker = activator.DisposeAfterCall
            ? async (request, context) =>
            {
                var instance = activator.Create(context);
                try
                {
                    return await handler(instance, request, context).ConfigureAwait(false);
                }
                finally
                {
                    await ServiceActivator<TService>.ReleaseAsync(instance).ConfigureAwait(false);
                }
            }
            : (request, context) => handler(activator.Create(context), request, context);
        Handlers.Add(new UnaryMethodHandler<TRequest, TResponse>(method, interceptors.Wrap(invoker), service, runtime));
    }

    public override void AddServerStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, ServerStreamingServerMethod<TService, TRequest, TResponse> handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        ServerStreamingServerMethod<TRequest, TResponse> invoker = activator.DisposeAfterCall
            ? async (request, responseStream, context) =>
            {
                var instance = activator.Create(context);
                try
                {
                    await handler(instance, request, responseStream, context).ConfigureAwait(false);
                }
                finally
                {
                    await ServiceActivator<TService>.ReleaseAsync(instance).ConfigureAwait(false);
                }
            }
            : (request, responseStream, context) => handler(activator.Create(context), request, responseStream, context);
        Handlers.Add(new ServerStreamingMethodHandler<TRequest, TResponse>(method, interceptors.Wrap(invoker), service, runtime));
    }

    public override void AddClientStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, ClientStreamingServerMethod<TService, TRequest, TResponse> handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        ClientStreamingServerMethod<TRequest, TResponse> invoker = activator.DisposeAfterCall
            ? async (requestStream, context) =>
            {
                var instance = activator.Create(context);
                try
                {
                    return await handler(instance, requestStream, context).ConfigureAwait(false);
                }
                finally
                {
                    await ServiceActivator<TService>.ReleaseAsync(instance).ConfigureAwait(false);
                }
            }
            : (requestStream, context) => handler(activator.Create(context), requestStream, context);
        Handlers.Add(new ClientStreamingMethodHandler<TRequest, TResponse>(method, interceptors.Wrap(invoker), service, runtime));
    }

    public override void AddDuplexStreamingMethod<TRequest, TResponse>(
        Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TService, TRequest, TResponse> handler)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        DuplexStreamingServerMethod<TRequest, TResponse> invoker = activator.DisposeAfterCall
            ? async (requestStream, responseStream, context) =>
            {
                var instance = activator.Create(context);
                try
                {
                    await handler(instance, requestStream, responseStream, context).ConfigureAwait(false);
                }
                finally
                {
                    await ServiceActivator<TService>.ReleaseAsync(instance).ConfigureAwait(false);
                }
            }
            : (requestStream, responseStream, context) => handler(activator.Create(context), requestStream, responseStream, context);
        Handlers.Add(new DuplexStreamingMethodHandler<TRequest, TResponse>(method, interceptors.Wrap(invoker), service, runtime));
    }
}
