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
        // A retry's agent reads this as the previous failure: it must say what to do instead.
        Assert.Contains("Make the change in the superproject's own files instead, and leave each submodule at the commit it starts at", result.Error, StringComparison.Ordinal);
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

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_PriorWorkRecordsASubmoduleCommitItsOriginLacks_ChecksOutTheBaseCommitAndTheNextSeriesMovesItBack()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var local = string.Empty;
        // The stuck case: the agent committed inside lib, and CommitAll recorded lib's new HEAD in the superproject.
        var prior = await ProducePriorWorkAsync(family, async worktree =>
        {
            await File.WriteAllTextAsync(Path.Combine(worktree, "README.md"), "line one\nchanged by the agent\n", TestToken);
            local = await CommitInsideLibAsync(worktree);
        });
        Assert.Contains($"+Subproject commit {local}", prior.Series.ToStringUtf8(), StringComparison.Ordinal);
        var reporter = new RecordingReporter();

        var prepared = await PrepareWithPriorWorkAsync(family, prior, reporter);

        Assert.True(prepared.Succeeded, prepared.Error);
        var lib = Path.Combine(prepared.Path, "lib");
        Assert.Equal(family.LibCommit, await GitAsync(lib, "rev-parse", "HEAD"));
        Assert.Equal(family.NestedCommit, await GitAsync(Path.Combine(lib, "deps", "nested"), "rev-parse", "HEAD"));
        // The index records what is checked out, as the agent's git status should show.
        Assert.Equal($"160000 {family.LibCommit} 0\tlib", await GitAsync(prepared.Path, "ls-files", "--stage", "--", "lib"));
        Assert.Equal("line one\nchanged by the agent\n", await File.ReadAllTextAsync(Path.Combine(prepared.Path, "README.md"), TestToken));
        var line = Assert.Single(WorkerLines(reporter), text => text.Contains(local, StringComparison.Ordinal));
        Assert.Contains($"Submodule 'lib' (path lib, URL {family.Lib})", line, StringComparison.Ordinal);
        Assert.Contains($"checked out at {family.LibCommit}, the commit the base records, instead", line, StringComparison.Ordinal);
        Assert.Contains("Commits made inside a submodule cannot be delivered", line, StringComparison.Ordinal);
        Assert.Contains("push the submodule's commit to its origin first", line, StringComparison.Ordinal);

        // An agent that changes nothing in the submodule: the series moves lib back, and nothing is left to fail for.
        var result = new AgentResult { Outcome = AgentOutcome.Succeeded };
        await AgentAttempt.CollectWorkAsync(new Workspace(_root), Assignment(family, prior), prepared, result, TestToken);

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Equal(string.Empty, result.Error);
        Assert.Equal(2, result.CommitCount);
        Assert.Equal($"160000 commit {family.LibCommit}\tlib", await GitAsync(prepared.Path, "ls-tree", "HEAD", "--", "lib"));
        Assert.Equal(string.Empty, await GitAsync(prepared.Path, "diff", "--name-only", prior.BaseCommit, "HEAD", "--", "lib"));
        // The verifier can prepare what would be delivered.
        await AssertVerifierPreparesAsync(family, prior.BaseCommit, result.PatchSeries);
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_PriorWorkAddsASubmoduleAtACommitItsOriginLacks_LeavesItEmptyAndTakesItsGitlinkOut()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var missing = new string('e', 40);
        // A submodule the base does not have, added at a commit its origin (lib's repository) never had.
        var prior = await ProducePriorWorkAsync(family, async worktree =>
        {
            await GitAsync(worktree, "config", "--file", ".gitmodules", "submodule.extra.path", "extra");
            await GitAsync(worktree, "config", "--file", ".gitmodules", "submodule.extra.url", "../lib");
            await GitAsync(worktree, "update-index", "--add", "--cacheinfo", $"160000,{missing},extra");
            Directory.CreateDirectory(Path.Combine(worktree, "extra"));
        });
        Assert.Contains($"+Subproject commit {missing}", prior.Series.ToStringUtf8(), StringComparison.Ordinal);
        var reporter = new RecordingReporter();

        var prepared = await PrepareWithPriorWorkAsync(family, prior, reporter);

        Assert.True(prepared.Succeeded, prepared.Error);
        var extra = Path.Combine(prepared.Path, "extra");
        Assert.True(Directory.Exists(extra) && Directory.GetFileSystemEntries(extra).Length == 0, "extra is not an empty folder.");
        // The index no longer records the unreachable commit; lib, which the base has, is checked out as usual.
        Assert.Equal(string.Empty, await GitAsync(prepared.Path, "ls-files", "--stage", "--", "extra"));
        Assert.Equal(family.LibCommit, await GitAsync(Path.Combine(prepared.Path, "lib"), "rev-parse", "HEAD"));
        var line = Assert.Single(WorkerLines(reporter), text => text.Contains(missing, StringComparison.Ordinal));
        Assert.Contains($"Submodule 'extra' (path extra, URL {family.Lib})", line, StringComparison.Ordinal);
        Assert.Contains("the base records no submodule at extra", line, StringComparison.Ordinal);
        Assert.Contains("Commits made inside a submodule cannot be delivered", line, StringComparison.Ordinal);

        var result = new AgentResult { Outcome = AgentOutcome.Succeeded };
        await AgentAttempt.CollectWorkAsync(new Workspace(_root), Assignment(family, prior), prepared, result, TestToken);

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Equal(string.Empty, await GitAsync(prepared.Path, "ls-tree", "HEAD", "--", "extra"));
        await AssertVerifierPreparesAsync(family, prior.BaseCommit, result.PatchSeries);
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_PriorWorkAddsASubmoduleWithAnUnreachableUrl_StillFails()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var gone = Path.Combine(family.Folder, "gone");
        // A new submodule (so that falling back to the base would need no fetch at all) whose origin does not exist:
        // whether it has the commit is unknown, and that is no reason to drop it.
        var prior = await ProducePriorWorkAsync(family, async worktree =>
        {
            await GitAsync(worktree, "config", "--file", ".gitmodules", "submodule.extra.path", "extra");
            await GitAsync(worktree, "config", "--file", ".gitmodules", "submodule.extra.url", "../gone");
            await GitAsync(worktree, "update-index", "--add", "--cacheinfo", $"160000,{family.LibCommit},extra");
            Directory.CreateDirectory(Path.Combine(worktree, "extra"));
        });

        var prepared = await PrepareWithPriorWorkAsync(family, prior, new RecordingReporter());

        Assert.False(prepared.Succeeded);
        Assert.Contains($"submodule 'extra' (path extra, URL {gone})", prepared.Error, StringComparison.Ordinal);
        Assert.Contains($"cannot fetch {gone}", prepared.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_NeitherTheRecordedNorTheBaseCommitInTheSubmodulesNewOrigin_StillFailsNamingBoth()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var local = string.Empty;
        // lib's URL now names nested's repository, which has neither the agent's commit nor the base's commit of lib.
        var prior = await ProducePriorWorkAsync(family, async worktree =>
        {
            local = await CommitInsideLibAsync(worktree);
            await GitAsync(worktree, "config", "--file", ".gitmodules", "submodule.lib.url", "../nested");
        });

        var prepared = await PrepareWithPriorWorkAsync(family, prior, new RecordingReporter());

        Assert.False(prepared.Succeeded);
        Assert.Contains($"the commit {local} is not in {family.Nested}", prepared.Error, StringComparison.Ordinal);
        Assert.Contains($"the commit {family.LibCommit} is not in {family.Nested}", prepared.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task CheckOutSubmodulesAsync_AsTheVerifierCallsIt_StillFailsForASeriesRecordingACommitTheOriginLacks()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var local = string.Empty;
        var prior = await ProducePriorWorkAsync(family, async worktree => local = await CommitInsideLibAsync(worktree));

        // The verifier must test what would be delivered, never a substitute for it.
        var (checkout, submodules) = await PrepareAsTheVerifierAsync(new Workspace(_root), family, prior.BaseCommit, prior.Series);

        Assert.False(submodules.Succeeded);
        Assert.Contains($"submodule 'lib' (path lib, URL {family.Lib})", submodules.Error, StringComparison.Ordinal);
        Assert.Contains($"the commit {local} is not in {family.Lib}", submodules.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(checkout.Path, "lib")));
    }

    // A commit inside the worktree's lib that lib's origin does not have; the caller's CommitAll records it as lib's gitlink.
    private static async Task<string> CommitInsideLibAsync(string worktree)
    {
        var lib = Path.Combine(worktree, "lib");
        await File.WriteAllTextAsync(Path.Combine(lib, "l.txt"), "committed inside the submodule\n", TestToken);
        await GitAsync(lib, "commit", "--quiet", "--all", "--message", "Inside the submodule");
        return await GitAsync(lib, "rev-parse", "HEAD");
    }

    // The series applied and its submodules checked out as the verifier does (VerificationHandler): no fallback there.
    private static async Task AssertVerifierPreparesAsync(SubmoduleFamily family, string baseCommit, ByteString series)
    {
        var root = TempFolder.Create("verifier");
        try
        {
            var (checkout, submodules) = await PrepareAsTheVerifierAsync(new Workspace(root), family, baseCommit, series);
            Assert.True(submodules.Succeeded, submodules.Error);
            Assert.Equal(family.LibCommit, await GitAsync(Path.Combine(checkout.Path, "lib"), "rev-parse", "HEAD"));
        }
        finally
        {
            TempFolder.Delete(root);
        }
    }

    // As VerificationHandler does: the base without submodules, the series with git am, then the submodules it records.
    private static async Task<(WorktreePreparation Checkout, SubmoduleCheckout Submodules)> PrepareAsTheVerifierAsync(
        Workspace verifier, SubmoduleFamily family, string baseCommit, ByteString series)
    {
        var checkout = await verifier.PrepareWorktreeAsync(family.Source, "", baseCommit, "verify-1", null, checkOutSubmodules: false, null, TestToken);
        Assert.True(checkout.Succeeded, checkout.Error);
        var applied = await verifier.ApplyPatchSeriesAsync(checkout.Path, series.Memory, TestToken);
        Assert.True(applied.Succeeded, applied.Error);
        return (checkout, await verifier.CheckOutSubmodulesAsync(checkout.Path, null, TestToken));
    }

    private static IEnumerable<string> WorkerLines(RecordingReporter reporter) =>
        reporter.Lines(DevServer.Contracts.Events.V1.OutputSource.Worker).Select(line => line.Text);

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

    private Task<WorktreePreparation> PrepareWithPriorWorkAsync(SubmoduleFamily family, (string BaseCommit, ByteString Series) prior) =>
        PrepareWithPriorWorkAsync(family, prior, new RecordingReporter());

    private async Task<WorktreePreparation> PrepareWithPriorWorkAsync(
        SubmoduleFamily family, (string BaseCommit, ByteString Series) prior, RecordingReporter reporter) =>
        await AgentAttempt.PrepareWorktreeAsync(new Workspace(_root), Assignment(family, prior), reporter, TestToken);

    // The next attempt of task 5, which gets the earlier series as its prior work.
    private static Assignment Assignment(SubmoduleFamily family, (string BaseCommit, ByteString Series) prior) => new()
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
