using System.Collections.Frozen;
using Google.Protobuf.Reflection;
using Rpc.Server;

namespace Rpc.Reflection;

/// <summary>
/// Everything reflection can answer, computed once from the mapped services: their descriptor files and the
/// transitive closure of the files those import, every symbol those files declare (by fully qualified name) and
/// every extension they declare (by extended message and number).
/// </summary>
internal sealed class DescriptorIndex
{
    private readonly FrozenDictionary<string, FileDescriptor> _files;
    private readonly FrozenDictionary<string, IDescriptor> _symbols;
    private readonly FrozenDictionary<string, FieldDescriptor[]> _extensionsByExtendee;

    private DescriptorIndex(
        int serviceCount,
        IReadOnlyList<string> serviceNames,
        Dictionary<string, FileDescriptor> files,
        Dictionary<string, IDescriptor> symbols,
        Dictionary<string, List<FieldDescriptor>> extensions)
    {
        ServiceCount = serviceCount;
        ServiceNames = serviceNames;
        _files = files.ToFrozenDictionary(StringComparer.Ordinal);
        _symbols = symbols.ToFrozenDictionary(StringComparer.Ordinal);
        _extensionsByExtendee = extensions.ToFrozenDictionary(
            pair => pair.Key,
            pair => pair.Value.OrderBy(field => field.FieldNumber).ToArray(),
            StringComparer.Ordinal);
    }

    /// <summary>How many catalog entries the index was built from (the catalog only grows).</summary>
    public int ServiceCount { get; }

    /// <summary>The services reflection can describe, in mapping order.</summary>
    public IReadOnlyList<string> ServiceNames { get; }

    public static DescriptorIndex Build(IReadOnlyList<RpcServiceInfo> services)
    {
        var serviceNames = new List<string>(services.Count);
        var files = new Dictionary<string, FileDescriptor>(StringComparer.Ordinal);
        var symbols = new Dictionary<string, IDescriptor>(StringComparer.Ordinal);
        var extensions = new Dictionary<string, List<FieldDescriptor>>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            // A service without a descriptor (a hand-written binding) is callable but cannot be described; listing
            // it would only make tools that describe every listed service fail, so it stays out.
            if (service.Descriptor is not { } descriptor || !string.Equals(descriptor.FullName, service.Name, StringComparison.Ordinal))
            {
                continue;
            }

            if (!serviceNames.Contains(service.Name, StringComparer.Ordinal))
            {
                serviceNames.Add(service.Name);
            }

            AddFile(descriptor.File, files, symbols, extensions);
        }

        return new DescriptorIndex(services.Count, serviceNames, files, symbols, extensions);
    }

    public FileDescriptor? FindFile(string name) => _files.GetValueOrDefault(name);

    public FileDescriptor? FindFileContainingSymbol(string symbol) => _symbols.GetValueOrDefault(symbol)?.File;

    public FieldDescriptor? FindExtension(string extendee, int number) =>
        _extensionsByExtendee.TryGetValue(extendee, out var fields)
            ? Array.Find(fields, field => field.FieldNumber == number)
            : null;

    /// <summary>The known extension numbers of a message, ascending; null when the message itself is unknown.</summary>
    public IEnumerable<int>? FindExtensionNumbers(string messageType) =>
        _symbols.GetValueOrDefault(messageType) is MessageDescriptor
            ? _extensionsByExtendee.TryGetValue(messageType, out var fields) ? fields.Select(field => field.FieldNumber) : []
            : null;

    private static void AddFile(
        FileDescriptor file,
        Dictionary<string, FileDescriptor> files,
        Dictionary<string, IDescriptor> symbols,
        Dictionary<string, List<FieldDescriptor>> extensions)
    {
        // First one wins: two assemblies may carry descriptors of the same file, and one answer is enough.
        if (!files.TryAdd(file.Name, file))
        {
            return;
        }

        foreach (var message in file.MessageTypes)
        {
            AddMessage(message, symbols, extensions);
        }

        foreach (var enumType in file.EnumTypes)
        {
            AddEnum(enumType, file.Package, symbols);
        }

        foreach (var service in file.Services)
        {
            symbols.TryAdd(service.FullName, service);
            foreach (var method in service.Methods)
            {
                symbols.TryAdd(method.FullName, method);
            }
        }

        AddExtensions(file.Extensions.UnorderedExtensions, symbols, extensions);
        foreach (var dependency in file.Dependencies)
        {
            AddFile(dependency, files, symbols, extensions);
        }
    }

    private static void AddMessage(MessageDescriptor message, Dictionary<string, IDescriptor> symbols, Dictionary<string, List<FieldDescriptor>> extensions)
    {
        symbols.TryAdd(message.FullName, message);
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            symbols.TryAdd(field.FullName, field);
        }

        foreach (var oneof in message.Oneofs)
        {
            symbols.TryAdd(oneof.FullName, oneof);
        }

        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested, symbols, extensions);
        }

        foreach (var enumType in message.EnumTypes)
        {
            AddEnum(enumType, message.FullName, symbols);
        }

        AddExtensions(message.Extensions.UnorderedExtensions, symbols, extensions);
    }

    /// <summary>
    /// Protobuf scopes enum values beside their enum (<c>pkg.VALUE</c>, not <c>pkg.Enum.VALUE</c>); both spellings
    /// are accepted, since C#'s descriptors report the second.
    /// </summary>
    private static void AddEnum(EnumDescriptor enumType, string scope, Dictionary<string, IDescriptor> symbols)
    {
        symbols.TryAdd(enumType.FullName, enumType);
        foreach (var value in enumType.Values)
        {
            symbols.TryAdd(scope.Length == 0 ? value.Name : scope + "." + value.Name, value);
            symbols.TryAdd(value.FullName, value);
        }
    }

    private static void AddExtensions(
        IList<FieldDescriptor> declared,
        Dictionary<string, IDescriptor> symbols,
        Dictionary<string, List<FieldDescriptor>> extensions)
    {
        foreach (var extension in declared)
        {
            symbols.TryAdd(extension.FullName, extension);
            var extendee = extension.ExtendeeType.FullName;
            if (!extensions.TryGetValue(extendee, out var fields))
            {
                fields = [];
                extensions.Add(extendee, fields);
            }

            if (!fields.Exists(field => field.FieldNumber == extension.FieldNumber))
            {
                fields.Add(extension);
            }
        }
    }
}
