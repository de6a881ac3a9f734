using Google.Protobuf.Reflection;

namespace Rpc.CodeGen;

/// <summary>A message as generated code refers to it.</summary>
/// <param name="ProtoFullName">Fully qualified proto name without the leading dot, e.g. <c>pkg.Outer.Inner</c>.</param>
/// <param name="CSharpName">The class protoc generates, e.g. <c>global::Pkg.Outer.Types.Inner</c>.</param>
internal sealed record MessageType(string ProtoFullName, string CSharpName);

/// <summary>
/// Every message of every file in the request (protoc sends the files to generate and all they import), by its
/// fully qualified proto name, so an RPC's input and output types resolve to the right C# class wherever they
/// are declared.
/// </summary>
internal sealed class MessageTypes
{
    private readonly Dictionary<string, MessageType> byProtoName = new(StringComparer.Ordinal);

    public MessageTypes(IEnumerable<FileDescriptorProto> files)
    {
        foreach (var file in files)
        {
            var csharpNamespace = CSharpNames.Namespace(file);
            var prefix = file.Package.Length > 0 ? file.Package + "." : string.Empty;
            foreach (var message in file.MessageType)
            {
                Add(message, prefix, csharpNamespace, classPath: string.Empty);
            }
        }
    }

    /// <summary>Resolves a type reference as descriptors write it (<c>.pkg.Msg</c>).</summary>
    public MessageType Resolve(string typeReference)
    {
        var name = typeReference.StartsWith('.') ? typeReference[1..] : typeReference;
        return byProtoName.TryGetValue(name, out var type)
            ? type
            : throw new GeneratorException($"Message type {typeReference} is not defined in any file of the request.");
    }

    // Nested messages live in the parent's generated "Types" class: Outer.Types.Inner.
    private void Add(DescriptorProto message, string protoPrefix, string csharpNamespace, string classPath)
    {
        var protoName = protoPrefix + message.Name;
        var path = classPath.Length == 0 ? message.Name : classPath + ".Types." + message.Name;
        byProtoName[protoName] = new MessageType(protoName, CSharpNames.Qualify(csharpNamespace, path));
        foreach (var nested in message.NestedType)
        {
            Add(nested, protoName + ".", csharpNamespace, path);
        }
    }
}
