using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Testing;
using Google.Protobuf.Reflection;

namespace DevServer.Contracts.Tests;

public sealed class ContractTests
{
    private static readonly TimeSpan BufTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task BufLint_ProtoFolder_ReportsNothing()
    {
        var proto = Path.Combine(RepositoryLayout.Root, "proto");
        var result = await ChildProcess.RunAsync(
            RepositoryLayout.BufExecutable, ["lint"], proto, BufTimeout, TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0 && result.StandardOutput.Trim().Length == 0, result.ToString());
    }

    [Fact]
    public async Task BufLint_AFileBreakingTheRules_IsReported()
    {
        // The lint must be able to fail: a copy of the contract with one undocumented, badly named enum value.
        var copy = Directory.CreateTempSubdirectory("devserver-proto-").FullName;
        try
        {
            CopyDirectory(Path.Combine(RepositoryLayout.Root, "proto"), copy);
            var file = Path.Combine(copy, "devserver", "queue", "v1", "queue.proto");
            await File.AppendAllTextAsync(file, "\nenum Bad { ZERO = 0; }\n", TestContext.Current.CancellationToken);

            var result = await ChildProcess.RunAsync(
                RepositoryLayout.BufExecutable, ["lint"], copy, BufTimeout, TestContext.Current.CancellationToken);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("queue.proto", result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Packages_AreVersionedAndBrowserServicesStreamOnlyFromTheServer()
    {
        FileDescriptor[] files =
        [
            TasksReflection.Descriptor, RepositoriesReflection.Descriptor, EventsReflection.Descriptor,
            QueueReflection.Descriptor, MeshReflection.Descriptor,
        ];
        foreach (var file in files)
        {
            Assert.Matches(@"^devserver\.[a-z]+\.v1$", file.Package);
            foreach (var service in file.Services.Where(s => s.Name != "MeshService"))
            {
                // gRPC-Web from a browser carries neither client nor bidirectional streams.
                Assert.All(service.Methods, method => Assert.False(method.IsClientStreaming, $"{service.FullName}/{method.Name}"));
            }
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, directory)));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*.proto", SearchOption.AllDirectories).Append(Path.Combine(source, "buf.yaml")))
        {
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)));
        }
    }
}
