using System.Text;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Tests.Git;
using Google.Protobuf;

namespace DevServer.Vendors.Core.Tests.Agents;

/// <summary>What becomes of an agent's work inside submodules, with real git and a real repository family.</summary>
public sealed class AgentAttemptSubmoduleTests : IDisposable
{
    private readonly string _root = TempFolder.Create("workspace");

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    private static Task<string> GitAsync(string directory, params string[] arguments) =>
        SourceRepository.GitAsync(directory, TestToken, arguments);

    public void Dispose() => TempFolder.Delete(_root);

    [Fact(Timeout = 60_000)]
    public async Task CollectWorkAsync_EditInsideSubmoduleLeftUncommitted_FailsNamingTheSubmoduleAndKeepsTheSuperprojectWork()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var (workspace, assignment, prepared) = await PrepareAsync(family);
        await File.WriteAllTextAsync(Path.Combine(prepared.Path, "README.md"), "line one\nchanged by the agent\n", TestToken);
        await File.WriteAllTextAsync(Path.Combine(prepared.Path, "lib", "l.txt"), "patched by the agent\n", TestToken);
        var result = new AgentResult { Outcome = AgentOutcome.Succeeded };

        await AgentAttempt.CollectWorkAsync(workspace, assignment, prepared, result, TestToken);

        Assert.Equal(AgentOutcome.Failed, result.Outcome);
        Assert.Equal(AgentErrorKind.Other, result.ErrorKind);
        Assert.Contains($"Submodule 'lib' (path lib, origin {family.Lib}) has uncommitted changes (l.txt).", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.CommitCount);
        Assert.Contains("+changed by the agent", result.PatchSeries.ToStringUtf8(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task CollectWorkAsync_CommitInsideNestedSubmodule_FailsNamingItsPathAndCommit()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var (workspace, assignment, prepared) = await PrepareAsync(family);
        var nested = Path.Combine(prepared.Path, "lib", "deps", "nested");
        await File.WriteAllTextAsync(Path.Combine(nested, "n.txt"), "committed by the agent\n", TestToken);
        await GitAsync(nested, "commit", "--quiet", "--all", "--message", "Inside the submodule");
        var local = await GitAsync(nested, "rev-parse", "HEAD");
        var result = new AgentResult { Outcome = AgentOutcome.TimedOut, Error = "The CLI ran too long." };

        await AgentAttempt.CollectWorkAsync(workspace, assignment, prepared, result, TestToken);

        // Another failure stays what it was and gets the submodule's line added.
        Assert.Equal(AgentOutcome.TimedOut, result.Outcome);
        Assert.StartsWith("The CLI ran too long.\n", result.Error, StringComparison.Ordinal);
        Assert.Contains(
            $"Submodule 'deps/nested' (path lib/deps/nested, origin {family.Nested}) is at {local}, which its origin does not have",
            result.Error,
            StringComparison.Ordinal);
        // lib itself now records another commit of its nested submodule: uncommitted in lib.
        Assert.Contains($"Submodule 'lib' (path lib, origin {family.Lib}) has uncommitted changes (deps/nested).", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task CollectWorkAsync_SubmoduleMovedToACommitItsOriginHas_SucceedsAndTheSeriesMovesIt()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var (workspace, assignment, prepared) = await PrepareAsync(family);
        var lib = Path.Combine(prepared.Path, "lib");
        await GitAsync(lib, "fetch", "--quiet", "origin");
        var tip = await GitAsync(lib, "rev-parse", "origin/main");
        await GitAsync(lib, "checkout", "--quiet", "--detach", tip);
        var result = new AgentResult { Outcome = AgentOutcome.Succeeded };

        await AgentAttempt.CollectWorkAsync(workspace, assignment, prepared, result, TestToken);

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Equal(string.Empty, result.Error);
        Assert.Equal(1, result.CommitCount);
        Assert.Contains($"+Subproject commit {tip}", result.PatchSeries.ToStringUtf8(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_PriorWorkMovesASubmodule_ChecksOutTheNewCommit()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var (producer, assignment, produced) = await PrepareAsync(family);
        var tip = await GitAsync(family.Lib, "rev-parse", "main");
        await GitAsync(Path.Combine(produced.Path, "lib"), "checkout", "--quiet", "--detach", tip);
        await producer.CommitAllAsync(produced.Path, "Update lib", TestToken);
        var series = await producer.FormatPatchAsync(produced.Path, produced.BaseCommit, TestToken);
        assignment.Agent.BaseCommit = produced.BaseCommit;
        assignment.Agent.PriorWork = ByteString.CopyFrom(series.Mbox);
        var otherRoot = TempFolder.Create("workspace");
        try
        {
            var prepared = await AgentAttempt.PrepareWorktreeAsync(new Workspace(otherRoot), assignment, new RecordingReporter(), TestToken);

            Assert.True(prepared.Succeeded, prepared.Error);
            Assert.Equal(tip, await GitAsync(Path.Combine(prepared.Path, "lib"), "rev-parse", "HEAD"));
            Assert.Equal("lib v2, not recorded\n", Encoding.UTF8.GetString(await File.ReadAllBytesAsync(Path.Combine(prepared.Path, "lib", "l.txt"), TestToken)));
        }
        finally
        {
            TempFolder.Delete(otherRoot);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task CollectWorkAsync_OnlyUntrackedFilesInsideSubmodule_SucceedsWithANoteNamingThem()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var (workspace, assignment, prepared) = await PrepareAsync(family);
        await File.WriteAllTextAsync(Path.Combine(prepared.Path, "README.md"), "line one\nchanged by the agent\n", TestToken);
        // Build output the submodule does not ignore.
        await File.WriteAllTextAsync(Path.Combine(prepared.Path, "lib", "build.log"), "built\n", TestToken);
        var result = new AgentResult { Outcome = AgentOutcome.Succeeded, OutputExcerpt = "Done." };

        await AgentAttempt.CollectWorkAsync(workspace, assignment, prepared, result, TestToken);

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Equal(string.Empty, result.Error);
        Assert.StartsWith("Done.\n", result.OutputExcerpt, StringComparison.Ordinal);
        Assert.Contains($"Submodule 'lib' (path lib, origin {family.Lib}) has untracked files, left out of the work (build.log).", result.OutputExcerpt, StringComparison.Ordinal);
        Assert.Equal(1, result.CommitCount);
    }

    [Fact(Timeout = 60_000)]
    public async Task CollectWorkAsync_CommitInsideSubmoduleWhoseOriginIsGone_SaysTheOriginCannotBeFetched()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var (workspace, assignment, prepared) = await PrepareAsync(family);
        var lib = Path.Combine(prepared.Path, "lib");
        await File.WriteAllTextAsync(Path.Combine(lib, "l.txt"), "committed by the agent\n", TestToken);
        await GitAsync(lib, "commit", "--quiet", "--all", "--message", "Inside the submodule");
        var local = await GitAsync(lib, "rev-parse", "HEAD");
        TempFolder.Delete(family.Lib);
        var result = new AgentResult { Outcome = AgentOutcome.Succeeded };

        await AgentAttempt.CollectWorkAsync(workspace, assignment, prepared, result, TestToken);

        Assert.Equal(AgentOutcome.Failed, result.Outcome);
        Assert.Contains(
            $"Submodule 'lib' (path lib, origin {family.Lib}) is at {local}, which could not be checked because its origin cannot be fetched",
            result.Error,
            StringComparison.Ordinal);
        Assert.DoesNotContain("commits made inside the submodule)", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task CollectWorkAsync_GitmodulesPathIsTheRoot_CollectsTheSeriesAndSucceeds()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var (workspace, assignment, prepared) = await PrepareAsync(family);
        // "path = /" made git ls-files fail ("empty string is not a valid pathspec"), which threw and lost all the work.
        await File.AppendAllTextAsync(Path.Combine(prepared.Path, ".gitmodules"), "[submodule \"odd\"]\n\tpath = /\n\turl = ../odd\n", TestToken);
        await File.WriteAllTextAsync(Path.Combine(prepared.Path, "README.md"), "line one\nchanged by the agent\n", TestToken);
        var result = new AgentResult { Outcome = AgentOutcome.Succeeded };

        await AgentAttempt.CollectWorkAsync(workspace, assignment, prepared, result, TestToken);

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Equal(string.Empty, result.Error);
        Assert.Equal(1, result.CommitCount);
        Assert.Contains("+changed by the agent", result.PatchSeries.ToStringUtf8(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task CollectWorkAsync_GitFailsInsideSubmodule_FailsWithAFindingAndKeepsTheSeries()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var (workspace, assignment, prepared) = await PrepareAsync(family);
        await File.WriteAllTextAsync(Path.Combine(prepared.Path, "README.md"), "line one\nchanged by the agent\n", TestToken);
        // A broken index inside the submodule: git status fails there.
        await File.WriteAllTextAsync(Path.Combine(prepared.Path, "lib", ".git", "index"), "not an index", TestToken);
        var result = new AgentResult { Outcome = AgentOutcome.Succeeded };

        await AgentAttempt.CollectWorkAsync(workspace, assignment, prepared, result, TestToken);

        Assert.Equal(AgentOutcome.Failed, result.Outcome);
        Assert.Contains($"Submodule 'lib' (path lib, origin {family.Lib}) cannot be inspected: git status failed", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.CommitCount);
        Assert.Contains("+changed by the agent", result.PatchSeries.ToStringUtf8(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_PriorWorkRemovesASubmodule_LeavesNothingAtItsPath()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var series = await ProducePriorWorkAsync(family, async worktree =>
        {
            TempFolder.Delete(Path.Combine(worktree, "lib"));
            File.Delete(Path.Combine(worktree, ".gitmodules"));
            await GitAsync(worktree, "rm", "--quiet", "--cached", "lib");
        });

        var prepared = await PrepareWithPriorWorkAsync(family, series);

        Assert.True(prepared.Succeeded, prepared.Error);
        var lib = Path.Combine(prepared.Path, "lib");
        Assert.True(!Directory.Exists(lib) || Directory.GetFileSystemEntries(lib).Length == 0, "The removed submodule's clone is still there.");
        Assert.Equal(string.Empty, await GitAsync(prepared.Path, "status", "--porcelain", "--untracked-files=all"));
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_PriorWorkReplacesASubmoduleWithFiles_Applies()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var series = await ProducePriorWorkAsync(family, VendorLibAsync);

        var prepared = await PrepareWithPriorWorkAsync(family, series);

        Assert.True(prepared.Succeeded, prepared.Error);
        Assert.Equal("vendored lib\n", await File.ReadAllTextAsync(Path.Combine(prepared.Path, "lib", "l.txt"), TestToken));
        Assert.False(Path.Exists(Path.Combine(prepared.Path, "lib", ".git")));
    }

    // "Vendor the library": the submodule lib becomes ordinary files of the superproject.
    private static async Task VendorLibAsync(string worktree)
    {
        var lib = Path.Combine(worktree, "lib");
        TempFolder.Delete(lib);
        File.Delete(Path.Combine(worktree, ".gitmodules"));
        await GitAsync(worktree, "rm", "--quiet", "--cached", "lib");
        Directory.CreateDirectory(lib);
        await File.WriteAllTextAsync(Path.Combine(lib, "l.txt"), "vendored lib\n", TestToken);
    }

    // Work made in a worktree of another workspace, as a series another attempt gets as its prior work.
    private static async Task<(string BaseCommit, ByteString Series)> ProducePriorWorkAsync(SubmoduleFamily family, Func<string, Task> change)
    {
        var root = TempFolder.Create("workspace");
        try
        {
            var producer = new Workspace(root);
            var worktree = await producer.PrepareWorktreeAsync(family.Source, "main", "", "task-5", "devserver/task-5", null, TestToken);
            Assert.True(worktree.Succeeded, worktree.Error);
            await change(worktree.Path);
            Assert.NotNull(await producer.CommitAllAsync(worktree.Path, "Prior work", TestToken));
            var series = await producer.FormatPatchAsync(worktree.Path, worktree.BaseCommit, TestToken);
            return (worktree.BaseCommit, ByteString.CopyFrom(series.Mbox));
        }
        finally
        {
            TempFolder.Delete(root);
        }
    }

    private async Task<WorktreePreparation> PrepareWithPriorWorkAsync(SubmoduleFamily family, (string BaseCommit, ByteString Series) prior)
    {
        var assignment = new Assignment
        {
            AssignmentId = "a-2",
            TaskId = 5,
            Attempt = 2,
            Agent = new AgentWork
            {
                Repository = family.Source,
                BaseBranch = "main",
                BaseCommit = prior.BaseCommit,
                WorkBranch = "devserver/task-5",
                PriorWork = prior.Series,
            },
        };
        return await AgentAttempt.PrepareWorktreeAsync(new Workspace(_root), assignment, new RecordingReporter(), TestToken);
    }

    private async Task<(Workspace Workspace, Assignment Assignment, WorktreePreparation Prepared)> PrepareAsync(SubmoduleFamily family)
    {
        var workspace = new Workspace(_root);
        var assignment = new Assignment
        {
            AssignmentId = "a-1",
            TaskId = 5,
            Attempt = 1,
            Agent = new AgentWork { Repository = family.Source, BaseBranch = "main", WorkBranch = "devserver/task-5" },
        };
        var prepared = await AgentAttempt.PrepareWorktreeAsync(workspace, assignment, new RecordingReporter(), TestToken);
        Assert.True(prepared.Succeeded, prepared.Error);
        return (workspace, assignment, prepared);
    }
}
