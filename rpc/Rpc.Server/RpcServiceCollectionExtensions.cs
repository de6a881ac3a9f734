using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Rpc.Server.Calls;

namespace Rpc.Server;

public static class RpcServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gRPC server: options, routing, the <see cref="RpcServiceCatalog"/> and a <see cref="TimeProvider"/>
    /// (for deadlines) unless one is registered. Call <c>MapRpcService&lt;T&gt;()</c> for each service.
    /// </summary>
    public static IServiceCollection AddRpc(this IServiceCollection services, Action<RpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddRouting();
        services.AddOptions<RpcServerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddLogging();
        services.TryAddSingleton<RpcServiceCatalog>();
        services.TryAddSingleton<RpcServerRuntime>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>, RpcKestrelOptionsSetup>());
        return services;
    }

    /// <summary>Copies the keep-alive settings of <see cref="RpcServerOptions"/> (when set) onto Kestrel.</summary>
    private sealed class RpcKestrelOptionsSetup(IOptions<RpcServerOptions> options) : IConfigureOptions<KestrelServerOptions>
    {
        public void Configure(KestrelServerOptions kestrel)
        {
            var rpc = options.Value;
            if (rpc.KeepAlivePingDelay is not null || rpc.KeepAlivePingTimeout is not null)
            {
                kestrel.ConfigureRpcDefaults(rpc.KeepAlivePingDelay, rpc.KeepAlivePingTimeout);
            }
        }
    }
}
