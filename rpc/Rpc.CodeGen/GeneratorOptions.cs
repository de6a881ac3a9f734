namespace Rpc.CodeGen;

/// <summary>
/// The plugin parameter (<c>--rpc_opt=a,b</c> reaches the plugin as <c>"a,b"</c>). The option names are those of
/// grpc's C# plugin, so Grpc.Tools-style settings carry over.
/// </summary>
/// <param name="GenerateServer">False with <c>no_server</c>: no service base class and no BindService.</param>
/// <param name="GenerateClient">False with <c>no_client</c>: no typed client.</param>
/// <param name="InternalAccess">True with <c>internal_access</c>: the service classes are internal, to match
/// messages generated with <c>--csharp_opt=internal_access</c>.</param>
internal sealed record GeneratorOptions(bool GenerateServer, bool GenerateClient, bool InternalAccess)
{
    public static GeneratorOptions Parse(string parameter)
    {
        var options = new GeneratorOptions(GenerateServer: true, GenerateClient: true, InternalAccess: false);
        foreach (var option in parameter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            options = option switch
            {
                "no_server" => options with { GenerateServer = false },
                "no_client" => options with { GenerateClient = false },
                "internal_access" => options with { InternalAccess = true },
                _ => throw new GeneratorException(
                    $"Unknown option '{option}' for protoc-gen-rpc (known: no_server, no_client, internal_access)."),
            };
        }

        return options;
    }
}
