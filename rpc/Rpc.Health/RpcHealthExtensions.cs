using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Rpc.Server;

namespace Rpc.Health;

public static class RpcHealthExtensions
{
    /// <summary>
    /// Registers <see cref="HealthServiceImpl"/> as a singleton: inject it wherever a service's health changes.
    /// Needs <c>services.AddRpc()</c> as well.
    /// </summary>
    public static IServiceCollection AddRpcHealthChecks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<HealthServiceImpl>();
        return services;
    }

    /// <summary>
    /// Maps <c>grpc.health.v1.Health</c> (Check, List, Watch). When the host begins to stop, every status turns
    /// NOT_SERVING and open watches end, so clients drain the server and the shutdown does not wait on them.
    /// Chain <c>.EnableGrpcWeb()</c> to let browsers check health too.
    /// </summary>
    public static RpcServiceEndpointConventionBuilder MapRpcHealthService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var health = endpoints.ServiceProvider.GetService<HealthServiceImpl>()
            ?? throw new InvalidOperationException("Call services.AddRpcHealthChecks() before mapping the health service.");
        endpoints.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStopping.Register(health.OnStopping);
        return endpoints.MapRpcService<HealthServiceImpl>();
    }
}
