using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Tests.Git;
using DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;

namespace DevServer.Vendors.Core.Tests.Mesh;

/// <summary>The cleanup the worker hosting runs: periodic, and sparing what the assignments the kit holds use.</summary>
public sealed class WorkspaceCleanupServiceTests : IDisposable
{
    private readonly string _root = TempFolder.Create("worker-cleanup");

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    public void Dispose() => TempFolder.Delete(_root);

    [Fact(Timeout = 60_000)]
    public async Task Worker_RunningAgentAssignment_ItsTaskWorktreeSurvivesWhileOthersExpire()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource<WorkResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = new HandlerScript
        {
            Run = (_, _, _) =>
            {
                started.TrySetResult();
                return release.Task;
            },
        };
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script, settings =>
        {
            settings["Worker:WorkspaceRoot"] = _root;
            settings["Worker:Cleanup:MaxAge"] = "1.00:00:00";
            settings["Worker:Cleanup:FirstRunDelay"] = "00:00:00";
            settings["Worker:Cleanup:Interval"] = "00:00:00.100";
        });
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        mesh.Assign(TestWork.Agent("a-1", taskId: 42));
        await started.Task.WaitAsync(TestToken);

        // The worktrees appear only now, so every cleanup that sees them runs while the assignment is held.
        var workspace = new Workspace(_root);
        var (active, activeRegistration) = await PrepareAgedAsync(workspace, source, "task-42");
        var (finished, finishedRegistration) = await PrepareAgedAsync(workspace, source, "task-7");
        // Removed means deleted and then pruned from the cache: the registration goes last.
        while (Directory.Exists(finished) || Directory.Exists(finishedRegistration))
        {
            await Task.Delay(50, TestToken);
        }

        Assert.True(File.Exists(Path.Combine(active, "README.md")));
        var listed = await SourceRepository.GitAsync(Path.Combine(_root, "cache", "sample.git"), TestToken, "worktree", "list", "--porcelain");
        Assert.Contains(active, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(finished, listed, StringComparison.Ordinal);

        release.SetResult(TestWork.Succeeded());
        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 1, "the result");
        // Once the orchestrator has stored the result, the assignment is no longer held: its worktree ages out too.
        while (Directory.Exists(active) || Directory.Exists(activeRegistration))
        {
            await Task.Delay(50, TestToken);
        }
    }

    private static async Task<(string Path, string Registration)> PrepareAgedAsync(Workspace workspace, SourceRepository source, string name)
    {
        var prepared = await workspace.PrepareWorktreeAsync(source.Source, "main", "", name, null, null, TestToken);
        Assert.True(prepared.Succeeded, prepared.Error);
        var old = TimeProvider.System.GetUtcNow().AddDays(-3).UtcDateTime;
        var registration = File.ReadAllText(Path.Combine(prepared.Path, ".git"))["gitdir: ".Length..].Trim();
        File.SetLastWriteTimeUtc(Path.Combine(registration, "index"), old);
        File.SetLastWriteTimeUtc(Path.Combine(registration, "HEAD"), old);
        Directory.SetLastWriteTimeUtc(registration, old);
        Directory.SetLastWriteTimeUtc(prepared.Path, old);
        return (prepared.Path, registration);
    }
}
