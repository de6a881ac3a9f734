using DevServer.Testing;

namespace Rpc.CodeGen.Tests.Infrastructure;

/// <summary>What one protoc run produced: protoc-gen-rpc's files by output name, and protoc's own C# messages.</summary>
internal sealed record ProtocOutput(
    ProcessResult Process,
    IReadOnlyDictionary<string, string> RpcFiles,
    IReadOnlyList<string> MessageSources)
{
    /// <summary>Every generated source, ours and protoc's, ready to compile together.</summary>
    public IEnumerable<string> AllSources => RpcFiles.Values.Concat(MessageSources);

    /// <summary>The only file protoc-gen-rpc wrote; fails when there was not exactly one.</summary>
    public string SingleRpcFile => Assert.Single(RpcFiles).Value;
}

/// <summary>
/// Runs the real protoc (from Grpc.Tools) with both protoc's C# generator and the built protoc-gen-rpc, the way the
/// build does, on .proto files in a temp folder.
/// </summary>
internal static class Protoc
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <param name="root">Holds the .proto files under <c>protos/</c>, which is the include root.</param>
    /// <param name="protos">Files to generate, relative to <c>protos/</c>.</param>
    /// <param name="rpcOptions">The plugin parameter (<c>--rpc_opt</c>), if any.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    public static async Task<ProtocOutput> RunAsync(
        TempDirectory root, IEnumerable<string> protos, string? rpcOptions, CancellationToken cancellationToken)
    {
        var protoRoot = Path.Combine(root.Path, "protos");
        var csharpOut = Directory.CreateDirectory(Path.Combine(root.Path, "out-csharp")).FullName;
        var rpcOut = Directory.CreateDirectory(Path.Combine(root.Path, "out-rpc")).FullName;
        List<string> arguments =
        [
            $"--plugin=protoc-gen-rpc={TestEnvironment.ProtocGenRpc}",
            $"--csharp_out={csharpOut}",
            $"--rpc_out={rpcOut}",
            $"--proto_path={TestEnvironment.ProtocIncludes}",
            $"--proto_path={protoRoot}",
        ];
        if (rpcOptions is not null)
        {
            arguments.Add($"--rpc_opt={rpcOptions}");
        }

        arguments.AddRange(protos);

        var result = await ChildProcess.RunAsync(
            TestEnvironment.Protoc,
            arguments,
            protoRoot,
            Timeout,
            cancellationToken,
            new Dictionary<string, string> { ["DOTNET_ROOT"] = BuiltPrograms.DotnetRoot });
        // A killed protoc says nothing about the plugin: fail here rather than in a caller that expects an error.
        Assert.False(result.TimedOut, result.ToString());

        var rpcFiles = Directory.EnumerateFiles(rpcOut, "*", SearchOption.AllDirectories)
            .ToDictionary(
                path => Path.GetRelativePath(rpcOut, path).Replace('\\', '/'),
                File.ReadAllText,
                StringComparer.Ordinal);
        var messageSources = Directory.EnumerateFiles(csharpOut, "*.cs", SearchOption.AllDirectories)
            .Select(File.ReadAllText)
            .ToList();
        return new ProtocOutput(result, rpcFiles, messageSources);
    }

    /// <summary>Runs protoc and asserts it succeeded.</summary>
    public static async Task<ProtocOutput> GenerateAsync(
        TempDirectory root, string[] protos, string? rpcOptions = null)
    {
        var output = await RunAsync(root, protos, rpcOptions, TestContext.Current.CancellationToken);
        Assert.True(output.Process.ExitCode == 0, output.Process.ToString());
        return output;
    }

    /// <summary>Writes one proto under <c>protos/</c> and generates it.</summary>
    public static async Task<ProtocOutput> GenerateAsync(
        TempDirectory root, string protoName, string protoText, string? rpcOptions = null)
    {
        root.Write(Path.Combine("protos", protoName), protoText);
        return await GenerateAsync(root, [protoName], rpcOptions);
    }
}
