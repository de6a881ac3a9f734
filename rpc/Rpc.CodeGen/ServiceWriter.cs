namespace Rpc.CodeGen;

/// <summary>
/// Writes one service: the static class with its methods, marshallers and descriptor, the server base class, the
/// typed client and <c>BindService</c> (the shape in docs/rpc.md). Every type is written <c>global::</c>-qualified
/// so no name the user declares can capture it.
/// </summary>
internal static class ServiceWriter
{
    private const string Task = "global::System.Threading.Tasks.Task";
    private const string Context = "global::Rpc.ServerCallContext";
    private const string Obsolete = "[global::System.Obsolete]";
    private const string DefaultParameters =
        "global::Rpc.Metadata? headers = null, global::System.DateTime? deadline = null, " +
        "global::System.Threading.CancellationToken cancellationToken = default";

    public static void Write(CodeWriter w, RpcService service, string reflectionClass, GeneratorOptions options)
    {
        var marshallers = MarshallerNames(service);
        w.Summary(service.Doc);
        if (service.Deprecated)
        {
            w.Line(Obsolete);
        }

        using (w.Open($"{(options.InternalAccess ? "internal" : "public")} static partial class {service.CSharpName}"))
        {
            w.Line($"static readonly string __ServiceName = \"{service.ProtoFullName}\";");
            w.Line();
            foreach (var (type, field) in marshallers)
            {
                w.Line($"static readonly global::Rpc.Marshaller<{type.CSharpName}> {field} =");
                w.Line($"    global::Rpc.Marshallers.ForProtobuf({type.CSharpName}.Parser);");
            }

            foreach (var method in service.Methods)
            {
                w.Line();
                w.Line($"static readonly {MethodType(method)} __Method_{method.ProtoName} =");
                w.Line($"    new {MethodType(method)}(");
                w.Line($"        global::Rpc.MethodType.{method.Kind},");
                w.Line("        __ServiceName,");
                w.Line($"        \"{method.ProtoName}\",");
                w.Line($"        {marshallers[method.Request]},");
                w.Line($"        {marshallers[method.Response]});");
            }

            w.Line();
            w.Line("/// <summary>The protobuf descriptor of the service (used by reflection).</summary>");
            w.Line("public static global::Google.Protobuf.Reflection.ServiceDescriptor Descriptor =>");
            w.Line($"    {reflectionClass}.Descriptor.Services[{service.Index}];");
            if (options.GenerateServer)
            {
                w.Line();
                WriteServerBase(w, service);
            }

            if (options.GenerateClient)
            {
                w.Line();
                WriteClient(w, service);
            }

            if (options.GenerateServer)
            {
                w.Line();
                WriteBindService(w, service);
            }
        }
    }

    // One marshaller per distinct message type, named after its proto full name (a_b_C); a numeric suffix
    // keeps two names apart that only differ in where their dots were.
    private static Dictionary<MessageType, string> MarshallerNames(RpcService service)
    {
        var names = new Dictionary<MessageType, string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in service.Methods.SelectMany(m => new[] { m.Request, m.Response }))
        {
            if (names.ContainsKey(type))
            {
                continue;
            }

            var name = "__Marshaller_" + type.ProtoFullName.Replace('.', '_');
            var unique = name;
            for (var suffix = 2; !used.Add(unique); suffix++)
            {
                unique = name + "_" + suffix;
            }

            names[type] = unique;
        }

        return names;
    }

    private static string MethodType(RpcMethod method) =>
        $"global::Rpc.Method<{method.Request.CSharpName}, {method.Response.CSharpName}>";

    private static void WriteServerBase(CodeWriter w, RpcService service)
    {
        w.Line("/// <summary>Base class for the server implementation of the service; override the RPCs it serves.</summary>");
        if (service.Deprecated)
        {
            w.Line(Obsolete);
        }

        w.Line($"[global::Rpc.BindServiceMethod(typeof({service.QualifiedName}), nameof({service.QualifiedName}.BindService))]");
        using (w.Open($"public abstract partial class {service.Name}Base"))
        {
            var first = true;
            foreach (var method in service.Methods)
            {
                if (!first)
                {
                    w.Line();
                }

                first = false;
                var request = method.Request.CSharpName;
                var response = method.Response.CSharpName;
                var (signature, parameters) = method.Kind switch
                {
                    CallKind.Unary => (
                        $"{Task}<{response}> {method.CSharpName}({request} request, {Context} context)",
                        new[] { Param("request", "The request from the client."), ContextParam }),
                    CallKind.ServerStreaming => (
                        $"{Task} {method.CSharpName}({request} request, global::Rpc.IServerStreamWriter<{response}> responseStream, {Context} context)",
                        new[] { Param("request", "The request from the client."), ResponseStreamParam, ContextParam }),
                    CallKind.ClientStreaming => (
                        $"{Task}<{response}> {method.CSharpName}(global::Rpc.IAsyncStreamReader<{request}> requestStream, {Context} context)",
                        new[] { RequestStreamParam, ContextParam }),
                    _ => (
                        $"{Task} {method.CSharpName}(global::Rpc.IAsyncStreamReader<{request}> requestStream, global::Rpc.IServerStreamWriter<{response}> responseStream, {Context} context)",
                        new[] { RequestStreamParam, ResponseStreamParam, ContextParam }),
                };
                var returns = method.Kind is CallKind.Unary or CallKind.ClientStreaming
                    ? "The response to send."
                    : "A task that completes when all responses are written.";
                Doc(w, method.Doc, parameters, returns);
                if (method.Deprecated)
                {
                    w.Line(Obsolete);
                }

                using (w.Open($"public virtual {signature}"))
                {
                    w.Line("throw new global::Rpc.RpcException(new global::Rpc.Status(global::Rpc.StatusCode.Unimplemented, \"\"));");
                }
            }
        }
    }

    private static void WriteClient(CodeWriter w, RpcService service)
    {
        var client = service.Name + "Client";
        var qualifiedClient = service.QualifiedName + "." + client;
        w.Line("/// <summary>Typed client for the service.</summary>");
        if (service.Deprecated)
        {
            w.Line(Obsolete);
        }

        using (w.Open($"public partial class {client} : global::Rpc.ClientBase<{qualifiedClient}>"))
        {
            w.Line("/// <summary>Creates a client that starts its calls on <paramref name=\"channel\"/>.</summary>");
            w.Line("/// <param name=\"channel\">The channel to call.</param>");
            w.Line($"public {client}(global::Rpc.ChannelBase channel)");
            w.Line("    : base(channel)");
            w.Line("{");
            w.Line("}");
            w.Line();
            w.Line("/// <summary>Creates a client that starts its calls through <paramref name=\"callInvoker\"/>.</summary>");
            w.Line("/// <param name=\"callInvoker\">The invoker to start calls with.</param>");
            w.Line($"public {client}(global::Rpc.CallInvoker callInvoker)");
            w.Line("    : base(callInvoker)");
            w.Line("{");
            w.Line("}");
            foreach (var method in service.Methods)
            {
                WriteClientMethod(w, method);
            }
        }
    }

    private static void WriteClientMethod(CodeWriter w, RpcMethod method)
    {
        var request = method.Request.CSharpName;
        var response = method.Response.CSharpName;
        var hasRequest = method.Kind is CallKind.Unary or CallKind.ServerStreaming;
        var (returnType, name, invoke) = method.Kind switch
        {
            CallKind.Unary => ($"global::Rpc.AsyncUnaryCall<{response}>", method.ProtoName + "Async", "AsyncUnaryCall"),
            CallKind.ServerStreaming => ($"global::Rpc.AsyncServerStreamingCall<{response}>", method.CSharpName, "AsyncServerStreamingCall"),
            CallKind.ClientStreaming => ($"global::Rpc.AsyncClientStreamingCall<{request}, {response}>", method.CSharpName, "AsyncClientStreamingCall"),
            _ => ($"global::Rpc.AsyncDuplexStreamingCall<{request}, {response}>", method.CSharpName, "AsyncDuplexStreamingCall"),
        };
        var requestParameter = hasRequest ? $"{request} request, " : string.Empty;
        var requestArgument = hasRequest ? "request, " : string.Empty;
        var requestDoc = hasRequest ? new[] { Param("request", "The request to send.") } : [];
        const string returns = "The call; dispose it to cancel the call if it has not finished.";

        w.Line();
        Doc(
            w,
            method.Doc,
            [
                .. requestDoc,
                Param("headers", "Request metadata to send, if any."),
                Param("deadline", "The deadline (UTC) of the call, if any."),
                Param("cancellationToken", "Cancels the call."),
            ],
            returns);
        if (method.Deprecated)
        {
            w.Line(Obsolete);
        }

        using (w.Open($"public virtual {returnType} {name}({requestParameter}{DefaultParameters})"))
        {
            w.Line($"return {name}({requestArgument}new global::Rpc.CallOptions(headers, deadline, cancellationToken));");
        }

        w.Line();
        Doc(w, method.Doc, [.. requestDoc, Param("options", "Options of the call.")], returns);
        if (method.Deprecated)
        {
            w.Line(Obsolete);
        }

        using (w.Open($"public virtual {returnType} {name}({requestParameter}global::Rpc.CallOptions options)"))
        {
            // base.: an RPC named CallInvoker would otherwise hide the invoker property.
            var host = hasRequest ? "null, options, request" : "null, options";
            w.Line($"return base.CallInvoker.{invoke}(__Method_{method.ProtoName}, {host});");
        }
    }

    private static void WriteBindService(CodeWriter w, RpcService service)
    {
        w.Line("/// <summary>Hands every RPC of the service to <paramref name=\"binder\"/> (the server calls this).</summary>");
        w.Line("/// <typeparam name=\"TService\">The implementation type.</typeparam>");
        w.Line("/// <param name=\"binder\">Receives one method and handler per RPC.</param>");
        w.Line("public static void BindService<TService>(global::Rpc.ServiceBinder<TService> binder)");
        w.Line($"    where TService : {service.QualifiedName}.{service.Name}Base");
        using (w.Open(string.Empty))
        {
            w.Line("global::System.ArgumentNullException.ThrowIfNull(binder);");
            foreach (var method in service.Methods)
            {
                var field = "__Method_" + method.ProtoName;
                var name = method.CSharpName;
                w.Line(method.Kind switch
                {
                    CallKind.Unary =>
                        $"binder.AddUnaryMethod({field}, static (service, request, context) => service.{name}(request, context));",
                    CallKind.ServerStreaming =>
                        $"binder.AddServerStreamingMethod({field}, static (service, request, responseStream, context) => service.{name}(request, responseStream, context));",
                    CallKind.ClientStreaming =>
                        $"binder.AddClientStreamingMethod({field}, static (service, requestStream, context) => service.{name}(requestStream, context));",
                    _ =>
                        $"binder.AddDuplexStreamingMethod({field}, static (service, requestStream, responseStream, context) => service.{name}(requestStream, responseStream, context));",
                });
            }
        }
    }

    private static readonly (string Name, string Text) ContextParam = Param("context", "The context of the call.");
    private static readonly (string Name, string Text) RequestStreamParam = Param("requestStream", "The requests from the client.");
    private static readonly (string Name, string Text) ResponseStreamParam = Param("responseStream", "Writes the responses.");

    private static (string Name, string Text) Param(string name, string text) => (name, text);

    // XML docs only for RPCs the proto documents; then every parameter too (a partial set warns with CS1573).
    private static void Doc(CodeWriter w, IReadOnlyList<string> summary, IEnumerable<(string Name, string Text)> parameters, string returns)
    {
        if (summary.Count == 0)
        {
            return;
        }

        w.Summary(summary);
        foreach (var (name, text) in parameters)
        {
            w.Line($"/// <param name=\"{name}\">{text}</param>");
        }

        w.Line($"/// <returns>{returns}</returns>");
    }
}
