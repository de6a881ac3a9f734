using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Rpc.Server;

namespace Rpc.Reflection;

public static class RpcReflectionExtensions
{
    /// <summary>Registers the reflection services. Needs <c>services.AddRpc()</c> as well.</summary>
    public static IServiceCollection AddRpcReflection(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<DescriptorIndexCache>();
        services.TryAddSingleton<ReflectionServiceV1>();
        services.TryAddSingleton<ReflectionServiceV1Alpha>();
        return services;
    }

    /// <summary>
    /// Maps <c>grpc.reflection.v1.ServerReflection</c> and <c>grpc.reflection.v1alpha.ServerReflection</c> (tools
    /// differ in which one they ask). They describe every service mapped with <c>MapRpcService</c> whose generated
    /// code carries a descriptor, themselves included, whether mapped before or after this call. gRPC only: the
    /// protocol is a bidirectional stream, which gRPC-Web cannot carry.
    /// </summary>
    /// <returns>A builder that applies conventions (e.g. authorization) to both services.</returns>
    public static IEndpointConventionBuilder MapRpcReflectionService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<DescriptorIndexCache>() is null)
        {
            throw new InvalidOperationException("Call services.AddRpcReflection() before mapping the reflection service.");
        }

        return new CompositeConventionBuilder(
            endpoints.MapRpcService<ReflectionServiceV1>(),
            endpoints.MapRpcService<ReflectionServiceV1Alpha>());
    }

    private sealed class CompositeConventionBuilder(params IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
