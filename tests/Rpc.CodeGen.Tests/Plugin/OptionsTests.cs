using Rpc.CodeGen.Tests.Infrastructure;

namespace Rpc.CodeGen.Tests.Plugin;

public sealed class OptionsTests
{
    private const string Proto = """
        syntax = "proto3";
        package opts.v1;
        message M {}
        service Svc { rpc Do(M) returns (M); }
        """;

    [Fact]
    public async Task NoServer_Option_LeavesOutTheBaseClassAndBindService()
    {
        using var root = new TempDirectory();

        var output = await Protoc.GenerateAsync(root, "svc.proto", Proto, "no_server");

        var code = output.SingleRpcFile;
        Assert.DoesNotContain("SvcBase", code);
        Assert.DoesNotContain("BindService", code);
        Assert.Contains("class SvcClient", code);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }

    [Fact]
    public async Task NoClient_Option_LeavesOutTheClient()
    {
        using var root = new TempDirectory();

        var output = await Protoc.GenerateAsync(root, "svc.proto", Proto, "no_client");

        var code = output.SingleRpcFile;
        Assert.DoesNotContain("SvcClient", code);
        Assert.Contains("class SvcBase", code);
        Assert.Contains("BindService", code);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }

    [Fact]
    public async Task InternalAccess_Option_MakesTheServiceClassInternal()
    {
        using var root = new TempDirectory();

        var output = await Protoc.GenerateAsync(root, "svc.proto", Proto, "internal_access");

        Assert.Contains("internal static partial class Svc", output.SingleRpcFile);
        CSharpCompiler.AssertCompiles(output.AllSources);
    }

    [Fact]
    public async Task UnknownOption_FailsWithTheOptionNamed()
    {
        using var root = new TempDirectory();
        root.Write("protos/svc.proto", Proto);

        var output = await Protoc.RunAsync(root, ["svc.proto"], "no_server,bogus", TestContext.Current.CancellationToken);

        Assert.NotEqual(0, output.Process.ExitCode);
        Assert.Contains("Unknown option 'bogus'", output.Process.StandardError);
        Assert.Empty(output.RpcFiles);
    }
}
