using Google.Protobuf.Reflection;

namespace Rpc.CodeGen;

/// <summary>The four call shapes, named as in <c>Rpc.MethodType</c>.</summary>
internal enum CallKind
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}

/// <summary>One RPC with everything the writer needs, names already in C# form.</summary>
internal sealed record RpcMethod(
    string ProtoName,
    string CSharpName,
    CallKind Kind,
    MessageType Request,
    MessageType Response,
    bool Deprecated,
    IReadOnlyList<string> Doc);

/// <summary>One service of a file.</summary>
/// <param name="ProtoFullName">e.g. <c>grpc.testing.TestService</c>; the first part of every method path.</param>
/// <param name="Name">The service name as declared, the stem of <c>…Base</c> and <c>…Client</c>.</param>
/// <param name="CSharpName">The static class's name (the service name, keyword-escaped).</param>
/// <param name="QualifiedName">The static class, <c>global::</c>-qualified.</param>
/// <param name="Index">Position in the file, for <c>FileDescriptor.Services[Index]</c>.</param>
/// <param name="Deprecated">The service's <c>deprecated</c> option.</param>
/// <param name="Doc">The service's leading comment as doc lines.</param>
/// <param name="Methods">The RPCs in declaration order.</param>
internal sealed record RpcService(
    string ProtoFullName,
    string Name,
    string CSharpName,
    string QualifiedName,
    int Index,
    bool Deprecated,
    IReadOnlyList<string> Doc,
    IReadOnlyList<RpcMethod> Methods)
{
    public static RpcService From(
        FileDescriptorProto file, int index, MessageTypes types, DocComments docs)
    {
        var service = file.Service[index];
        var methods = service.Method
            .Select((method, methodIndex) => new RpcMethod(
                method.Name,
                CSharpNames.Escape(method.Name),
                (method.ClientStreaming, method.ServerStreaming) switch
                {
                    (false, false) => CallKind.Unary,
                    (true, false) => CallKind.ClientStreaming,
                    (false, true) => CallKind.ServerStreaming,
                    (true, true) => CallKind.DuplexStreaming,
                },
                types.Resolve(method.InputType),
                types.Resolve(method.OutputType),
                method.Options?.Deprecated ?? false,
                docs.ForMethod(index, methodIndex)))
            .ToList();
        var fullName = file.Package.Length > 0 ? file.Package + "." + service.Name : service.Name;
        return new RpcService(
            fullName,
            service.Name,
            CSharpNames.Escape(service.Name),
            CSharpNames.Qualify(CSharpNames.Namespace(file), service.Name),
            index,
            service.Options?.Deprecated ?? false,
            docs.ForService(index),
            methods);
    }
}
