using Google.Protobuf.Reflection;

namespace Rpc.Server;

/// <summary>
/// The services mapped with <c>MapRpcService</c>, in mapping order. Read by the reflection service and by the
/// unimplemented-method fallback (to tell an unknown method of a known service from an unknown service).
/// </summary>
public sealed class RpcServiceCatalog
{
    private readonly Lock _lock = new();
    private RpcServiceInfo[] _services = [];

    /// <summary>A snapshot of the mapped services.</summary>
    public IReadOnlyList<RpcServiceInfo> Services => Volatile.Read(ref _services);

    /// <summary>The service with the fully qualified name (e.g. <c>pkg.Foo</c>), or null.</summary>
    public RpcServiceInfo? FindService(string serviceName)
    {
        foreach (var service in Volatile.Read(ref _services))
        {
            if (string.Equals(service.Name, serviceName, StringComparison.Ordinal))
            {
                return service;
            }
        }

        return null;
    }

    /// <summary>Set once the unimplemented fallback endpoint is mapped, so it is mapped only once.</summary>
    internal bool FallbackMapped { get; set; }

    internal void Add(RpcServiceInfo service)
    {
        lock (_lock)
        {
            _services = [.. _services, service];
        }
    }
}

/// <summary>One mapped service.</summary>
/// <param name="Name">Fully qualified service name, e.g. <c>pkg.Foo</c>.</param>
/// <param name="ImplementationType">The type passed to <c>MapRpcService</c>.</param>
/// <param name="Descriptor">The bind type's static <c>Descriptor</c> value, when it has one.</param>
/// <param name="Methods">The bound methods, in binding order.</param>
public sealed record RpcServiceInfo(
    string Name,
    Type ImplementationType,
    ServiceDescriptor? Descriptor,
    IReadOnlyList<IMethod> Methods);
