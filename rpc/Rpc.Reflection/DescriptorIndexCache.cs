using Rpc.Server;

namespace Rpc.Reflection;

/// <summary>
/// The <see cref="DescriptorIndex"/> of the services mapped so far. Built on the first reflection call (after
/// the endpoints are mapped) and rebuilt only if more services were mapped since; the catalog never shrinks,
/// so its size tells whether the index is current.
/// </summary>
internal sealed class DescriptorIndexCache(RpcServiceCatalog catalog)
{
    private DescriptorIndex? _index;

    public DescriptorIndex Current
    {
        get
        {
            var services = catalog.Services;
            var index = Volatile.Read(ref _index);
            if (index is null || index.ServiceCount != services.Count)
            {
                // Two concurrent first calls may both build; either result is correct, the last one stays.
                index = DescriptorIndex.Build(services);
                Volatile.Write(ref _index, index);
            }

            return index;
        }
    }
}
