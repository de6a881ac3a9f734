using DevServer.Testing;

namespace DevServer.Vendors.Script.Tests;

/// <summary>The built script sidecar (`dotnet DevServer.Vendors.Script.dll`) as a real process against a mesh double.</summary>
internal static class BuiltSidecar
{
    public static ChildProcess Start(TestRepositories repositories, Uri orchestrator, string token, string name, string command) =>
        ChildProcess.Start(
            BuiltPrograms.Dotnet,
            [
                BuiltPrograms.Assembly(typeof(BuiltSidecar).Assembly, "DevServer.Vendors.Script"),
                $"--Worker:OrchestratorAddress={orchestrator}",
                $"--Worker:Token={token}",
                $"--Worker:Name={name}",
                $"--Worker:WorkspaceRoot={repositories.WorkspaceRoot}",
                $"--Script:Command={command}",
            ],
            repositories.Root,
            // Nothing of a real installation is read or written.
            new Dictionary<string, string> { ["DEVSERVER_DATA"] = Path.Combine(repositories.Root, "data") });
}
