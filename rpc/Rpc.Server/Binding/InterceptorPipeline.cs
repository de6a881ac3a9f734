using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Rpc.Interceptors;

namespace Rpc.Server.Binding;

/// <summary>
/// Wraps a method's handler in the configured server interceptors, once at bind time: the first registered
/// interceptor is the outermost. Per call, each interceptor is only resolved (shared instance, DI, or activated).
/// </summary>
internal sealed class InterceptorPipeline
{
    private readonly Func<ServerCallContext, Interceptor>[] _resolvers;

    public InterceptorPipeline(IReadOnlyList<InterceptorRegistration> registrations, IServiceProvider rootProvider)
    {
        var isService = rootProvider.GetService<IServiceProviderIsService>();
        _resolvers = new Func<ServerCallContext, Interceptor>[registrations.Count];
        for (var i = 0; i < registrations.Count; i++)
        {
            _resolvers[i] = CreateResolver(registrations[i], isService);
        }
    }

    public bool IsEmpty => _resolvers.Length == 0;

    public UnaryServerMethod<TRequest, TResponse> Wrap<TRequest, TResponse>(UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class
    {
        for (var i = _resolvers.Length - 1; i >= 0; i--)
        {
            var resolve = _resolvers[i];
            var next = handler;
            handler = (request, context) => resolve(context).UnaryServerHandler(request, context, next);
        }

        return handler;
    }

    public ClientStreamingServerMethod<TRequest, TResponse> Wrap<TRequest, TResponse>(ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class
    {
        for (var i = _resolvers.Length - 1; i >= 0; i--)
        {
            var resolve = _resolvers[i];
            var next = handler;
            handler = (requestStream, context) => resolve(context).ClientStreamingServerHandler(requestStream, context, next);
        }

        return handler;
    }

    public ServerStreamingServerMethod<TRequest, TResponse> Wrap<TRequest, TResponse>(ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class
    {
        for (var i = _resolvers.Length - 1; i >= 0; i--)
        {
            var resolve = _resolvers[i];
            var next = handler;
            handler = (request, responseStream, context) => resolve(context).ServerStreamingServerHandler(request, responseStream, context, next);
        }

        return handler;
    }

    public DuplexStreamingServerMethod<TRequest, TResponse> Wrap<TRequest, TResponse>(DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class
    {
        for (var i = _resolvers.Length - 1; i >= 0; i--)
        {
            var resolve = _resolvers[i];
            var next = handler;
            handler = (requestStream, responseStream, context) =>
                resolve(context).DuplexStreamingServerHandler(requestStream, responseStream, context, next);
        }

        return handler;
    }

    private static Func<ServerCallContext, Interceptor> CreateResolver(InterceptorRegistration registration, IServiceProviderIsService? isService)
    {
        if (registration.Instance is { } instance)
        {
            return _ => instance;
        }

        var type = registration.Type;
        if (registration.Arguments.Count == 0 && isService?.IsService(type) == true)
        {
            return context => (Interceptor)context.GetHttpContext().RequestServices.GetRequiredService(type);
        }

        var arguments = new object[registration.Arguments.Count];
        var argumentTypes = new Type[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            arguments[i] = registration.Arguments[i];
            argumentTypes[i] = arguments[i].GetType();
        }

        var factory = ActivatorUtilities.CreateFactory(type, argumentTypes);
        return context =>
        {
            var http = context.GetHttpContext();
            var interceptor = (Interceptor)factory(http.RequestServices, arguments);
            RegisterForDispose(http, interceptor);
            return interceptor;
        };
    }

    private static void RegisterForDispose(HttpContext http, Interceptor interceptor)
    {
        if (interceptor is IAsyncDisposable asyncDisposable)
        {
            http.Response.RegisterForDisposeAsync(asyncDisposable);
        }
        else if (interceptor is IDisposable disposable)
        {
            http.Response.RegisterForDispose(disposable);
        }
    }
}
