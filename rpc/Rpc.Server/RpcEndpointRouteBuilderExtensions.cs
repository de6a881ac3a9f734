using System.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Rpc.Server.Binding;
using Rpc.Server.Calls;
using Rpc.Wire;

namespace Rpc.Server;

public static class RpcEndpointRouteBuilderExtensions
{
    private static readonly string[] PostOnly = [HttpMethods.Post];

    /// <summary>
    /// Maps every method of <typeparamref name="TService"/> as <c>POST /{package.Service}/{Method}</c>. The
    /// service's generated base class carries <see cref="BindServiceMethodAttribute"/>, whose static
    /// <c>BindService</c> is called once with a binder. gRPC-Web stays off until <c>.EnableGrpcWeb()</c>.
    /// The first call also maps the low-priority fallback that answers unknown gRPC paths with UNIMPLEMENTED.
    /// </summary>
    public static RpcServiceEndpointConventionBuilder MapRpcService<TService>(this IEndpointRouteBuilder endpoints)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var catalog = services.GetService<RpcServiceCatalog>()
            ?? throw new InvalidOperationException("Call services.AddRpc() before mapping gRPC services.");
        var runtime = services.GetRequiredService<RpcServerRuntime>();

        var (bindType, bindMethod) = FindBindMethod(typeof(TService));
        var state = new RpcServiceState();
        var binder = new EndpointServiceBinder<TService>(
            new ServiceActivator<TService>(services),
            new InterceptorPipeline(runtime.Options.Interceptors, services),
            state,
            runtime);
        bindMethod.Invoke(null, [binder]);
        if (binder.Handlers.Count == 0)
        {
            throw new InvalidOperationException($"{bindType}.{bindMethod.Name} bound no methods for {typeof(TService)}.");
        }

        var builders = new List<IEndpointConventionBuilder>(binder.Handlers.Count);
        var methods = new List<IMethod>(binder.Handlers.Count);
        foreach (var handler in binder.Handlers)
        {
            var method = handler.Method;
            var builder = endpoints.Map(RoutePatternFactory.Parse(method.FullName), (RequestDelegate)handler.HandleRequestAsync);
            builder.WithMetadata(new HttpMethodMetadata(PostOnly), new RpcMethodMetadata(method, typeof(TService)));
            builder.WithDisplayName("gRPC - " + method.FullName);
            builders.Add(builder);
            methods.Add(method);
        }

        catalog.Add(new RpcServiceInfo(methods[0].ServiceName, typeof(TService), ReadDescriptor(bindType), methods));
        MapUnimplementedFallback(endpoints, catalog, runtime);
        return new RpcServiceEndpointConventionBuilder(builders, state);
    }

    private static (Type BindType, MethodInfo BindMethod) FindBindMethod(Type serviceType)
    {
        for (var type = serviceType; type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is not { } attribute)
            {
                continue;
            }

            var method = attribute.BindType.GetMethod(
                attribute.BindMethodName,
                BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                ?? throw new InvalidOperationException($"{attribute.BindType} has no static method {attribute.BindMethodName}.");
            if (method.IsGenericMethodDefinition)
            {
                method = method.MakeGenericMethod(serviceType);
            }

            return (attribute.BindType, method);
        }

        throw new InvalidOperationException(
            $"{serviceType} is not a gRPC service: none of its base types has [{nameof(BindServiceMethodAttribute)}].");
    }

    private static ServiceDescriptor? ReadDescriptor(Type bindType) =>
        bindType.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as ServiceDescriptor;

    private static void MapUnimplementedFallback(IEndpointRouteBuilder endpoints, RpcServiceCatalog catalog, RpcServerRuntime runtime)
    {
        if (catalog.FallbackMapped)
        {
            return;
        }

        catalog.FallbackMapped = true;
        var pattern = RoutePatternFactory.Parse(
            "/{service}/{method}",
            defaults: null,
            parameterPolicies: new RouteValueDictionary { ["service"] = new GrpcContentTypeRouteConstraint() });
        var builder = endpoints.Map(pattern, (RequestDelegate)(http =>
        {
            var format = GrpcProtocol.ParseContentType(http.Request.ContentType) ?? GrpcWireFormat.Grpc;
            var service = http.GetRouteValue("service") as string;
            var message = service is not null && catalog.FindService(service) is not null
                ? "Method is unimplemented."
                : "Service is unimplemented.";
            return RpcResponses.Unimplemented(http, runtime, format, message);
        }));
        builder.WithMetadata(new HttpMethodMetadata(PostOnly));
        builder.WithDisplayName("gRPC - unimplemented");
        // Below every other endpoint with a parameter pattern; literal method paths win regardless.
        builder.Add(endpoint => ((RouteEndpointBuilder)endpoint).Order = int.MaxValue - 1);
    }

    /// <summary>Lets the fallback match only requests that are gRPC calls, so other POSTs still get a 404.</summary>
    private sealed class GrpcContentTypeRouteConstraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            routeDirection == RouteDirection.IncomingRequest
            && httpContext is not null
            && GrpcProtocol.ParseContentType(httpContext.Request.ContentType) is not null;
    }
}

/// <summary>Endpoint metadata on each gRPC method endpoint.</summary>
/// <param name="Method">The method the endpoint serves.</param>
/// <param name="ServiceType">The implementation type passed to <c>MapRpcService</c>.</param>
public sealed record RpcMethodMetadata(IMethod Method, Type ServiceType);

/// <summary>Configures the endpoints of one mapped service (all its methods at once).</summary>
public sealed class RpcServiceEndpointConventionBuilder : IEndpointConventionBuilder
{
    private static readonly string[] PostOnly = [HttpMethods.Post];

    private readonly IReadOnlyList<IEndpointConventionBuilder> _builders;
    private readonly RpcServiceState _state;

    internal RpcServiceEndpointConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders, RpcServiceState state)
    {
        _builders = builders;
        _state = state;
    }

    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in _builders)
        {
            builder.Add(convention);
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in _builders)
        {
            builder.Finally(finallyConvention);
        }
    }

    /// <summary>
    /// Accepts gRPC-Web (<c>application/grpc-web</c> and <c>application/grpc-web-text</c>, over HTTP/1.1 or
    /// HTTP/2) besides gRPC, and lets CORS preflight requests reach the CORS middleware for these endpoints.
    /// </summary>
    public RpcServiceEndpointConventionBuilder EnableGrpcWeb()
    {
        _state.WebEnabled = true;
        Add(endpoint => endpoint.Metadata.Add(new HttpMethodMetadata(PostOnly, acceptCorsPreflight: true)));
        return this;
    }
}
