using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Rpc.Server.Binding;

/// <summary>
/// Creates the service instance for a call: from DI when the type is registered (its lifetime, typically scoped,
/// is DI's business), otherwise activated per call with constructor injection and disposed after the call.
/// Which of the two is decided once, at bind time.
/// </summary>
internal sealed class ServiceActivator<TService>
    where TService : class
{
    private readonly bool _fromContainer;
    private readonly ObjectFactory<TService>? _factory;
    private readonly IServiceProvider? _rootProvider;

    public ServiceActivator(IServiceProvider rootProvider)
    {
        _fromContainer = rootProvider.GetService<IServiceProviderIsService>()?.IsService(typeof(TService)) == true;
        if (_fromContainer)
        {
            return;
        }

        _factory = ActivatorUtilities.CreateFactory<TService>(Type.EmptyTypes);
        // A type whose constructors take nothing never needs the request's service scope; not touching
        // HttpContext.RequestServices keeps ASP.NET Core from creating a scope for the call.
        if (Array.TrueForAll(typeof(TService).GetConstructors(BindingFlags.Public | BindingFlags.Instance), c => c.GetParameters().Length == 0))
        {
            _rootProvider = rootProvider;
        }

        DisposeAfterCall = typeof(IDisposable).IsAssignableFrom(typeof(TService))
            || typeof(IAsyncDisposable).IsAssignableFrom(typeof(TService));
    }

    /// <summary>True when each instance is activated by us and must be disposed after its call.</summary>
    public bool DisposeAfterCall { get; }

    public TService Create(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        return _fromContainer
            ? http.RequestServices.GetRequiredService<TService>()
            : _factory!(_rootProvider ?? http.RequestServices, null);
    }

    public static ValueTask ReleaseAsync(TService service)
    {
        if (service is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        ((IDisposable)service).Dispose();
        return default;
    }
}
