using DevServer.Testing;
using Rpc.CodeGen.Tests.Infrastructure;

namespace Rpc.CodeGen.Tests.Build;

/// <summary>
/// Builds a throw-away consumer project (outside the repository, importing the repository's build files) with
/// the real dotnet CLI, the way a project in the tree uses rpc/build/Rpc.CodeGen.targets.
/// </summary>
public sealed class TargetsTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    [Fact(Timeout = 15 * 60 * 1000)]
    public async Task Build_ConsumerProject_GeneratesStubsIncrementallyAndFollowsProtoChanges()
    {
        using var root = new TempDirectory();
        var consumer = new Consumer(root);
        consumer.WriteProject();
        root.Write("protos/common.proto", """
            syntax = "proto3";
            package common.v1;
            message Name { string value = 1; }
            """);
        root.Write("protos/api/v1/greeter.proto", """
            syntax = "proto3";
            package api.v1;
            import "common.proto";
            service Greeter { rpc Hello(common.v1.Name) returns (common.v1.Name); }
            """);
        root.Write("Usage.cs", """
            namespace Consumer;

            internal sealed class GreeterService : Api.V1.Greeter.GreeterBase
            {
                public override System.Threading.Tasks.Task<Common.V1.Name> Hello(Common.V1.Name request, Rpc.ServerCallContext context) =>
                    System.Threading.Tasks.Task.FromResult(request);
            }
            """);

        // First build: the plugin runs and the user code compiles against the stubs.
        await consumer.BuildAsync();
        var greeter = consumer.Generated("api/v1/GreeterGrpc.cs");
        Assert.True(File.Exists(greeter), "GreeterGrpc.cs was not generated.");
        var firstWrite = File.GetLastWriteTimeUtc(greeter);

        // Nothing changed: no regeneration.
        var noop = await consumer.BuildAsync();
        Assert.Contains("Skipping target \"_RpcGenerateCore\"", noop);
        Assert.Equal(firstWrite, File.GetLastWriteTimeUtc(greeter));

        // A new proto (picked up by the glob, no project edit): its stubs appear and are compiled.
        root.Write("protos/api/v1/extra.proto", """
            syntax = "proto3";
            package api.v1;
            import "common.proto";
            service Extra { rpc Ping(common.v1.Name) returns (stream common.v1.Name); }
            """);
        root.Write("Extra.cs", """
            namespace Consumer;

            internal static class ExtraUsage
            {
                public static Rpc.AsyncServerStreamingCall<Common.V1.Name> Ping(Rpc.CallInvoker invoker) =>
                    new Api.V1.Extra.ExtraClient(invoker).Ping(new Common.V1.Name(), new Rpc.CallOptions());
            }
            """);
        await consumer.BuildAsync();
        Assert.True(File.Exists(consumer.Generated("api/v1/ExtraGrpc.cs")), "ExtraGrpc.cs was not generated.");

        // The proto removed again: its stubs go too (a leftover file would still be compiled).
        File.Delete(Path.Combine(root.Path, "protos/api/v1/extra.proto"));
        File.Delete(Path.Combine(root.Path, "Extra.cs"));
        await consumer.BuildAsync();
        Assert.False(File.Exists(consumer.Generated("api/v1/ExtraGrpc.cs")), "ExtraGrpc.cs outlived its proto.");

        // An imported proto changed: the importing file's stubs are regenerated.
        var beforeImportChange = File.GetLastWriteTimeUtc(greeter);
        root.Write("protos/common.proto", """
            syntax = "proto3";
            package common.v1;
            message Name { string value = 1; string note = 2; }
            """);
        var afterImportChange = await consumer.BuildAsync();
        Assert.DoesNotContain("Skipping target \"_RpcGenerateCore\"", afterImportChange);
        Assert.True(File.GetLastWriteTimeUtc(greeter) > beforeImportChange, "GreeterGrpc.cs was not regenerated.");
    }

    private sealed class Consumer(TempDirectory root)
    {
        private string ObjDirectory => Path.Combine(
            root.Path, "artifacts", "obj", "Consumer", TestEnvironment.Configuration.ToLowerInvariant());

        public string Generated(string relativePath) => Path.Combine(ObjDirectory, "rpc", "out", relativePath);

        public void WriteProject()
        {
            var repository = RepositoryLayout.Root;

            // The repository's strict settings and central versions; this project's own output stays in the temp
            // folder while the referenced runtime projects are found up to date in the test build's artifacts.
            root.Write("Directory.Build.props", $"""
                <Project>
                  <Import Project="{repository}/Directory.Build.props" />
                  <PropertyGroup>
                    <ArtifactsPath>$(MSBuildThisFileDirectory)artifacts</ArtifactsPath>
                  </PropertyGroup>
                </Project>
                """);
            root.Write("Directory.Build.targets", $"""
                <Project>
                  <Import Project="{repository}/Directory.Build.targets" />
                </Project>
                """);
            root.Write("Directory.Packages.props", $"""
                <Project>
                  <Import Project="{repository}/Directory.Packages.props" />
                </Project>
                """);
            root.Write("Consumer.csproj", $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <ItemGroup>
                    <PackageReference Include="Google.Protobuf" />
                    <PackageReference Include="Grpc.Tools" PrivateAssets="all" />
                    <ProjectReference Include="{repository}/rpc/Rpc.Core/Rpc.Core.csproj" />
                  </ItemGroup>
                  <ItemGroup>
                    <Protobuf Include="protos/**/*.proto" ProtoRoot="protos" GrpcServices="None" />
                  </ItemGroup>
                </Project>
                """);
        }

        /// <summary>Builds with normal verbosity and returns the log; fails the test when the build fails.</summary>
        public async Task<string> BuildAsync()
        {
            var result = await ChildProcess.RunAsync(
                BuiltPrograms.Dotnet,
                ["build", "Consumer.csproj", "-c", TestEnvironment.Configuration, "-v:n", "--disable-build-servers"],
                root.Path,
                BuildTimeout,
                TestContext.Current.CancellationToken,
                new Dictionary<string, string>
                {
                    ["ArtifactsPath"] = TestEnvironment.ArtifactsPath,
                    ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                    ["DOTNET_NOLOGO"] = "1",
                });
            Assert.True(result.ExitCode == 0, result.ToString());
            return result.StandardOutput;
        }
    }
}
