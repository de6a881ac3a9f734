using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Verifier.Sandbox;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Tests.Git;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;

namespace DevServer.Verifier.Tests;

/// <summary>Verifications of a repository with nested submodules, whose patch series move a submodule.</summary>
public sealed class SubmoduleVerificationTests : IDisposable
{
    private readonly string _producerRoot = TempFolder.Create("producer");
    private readonly string _verifierRoot = TempFolder.Create("verifier");

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    private static Task<string> GitAsync(string directory, params string[] arguments) =>
        SourceRepository.GitAsync(directory, TestToken, arguments);

    public void Dispose()
    {
        TempFolder.Delete(_producerRoot);
        TempFolder.Delete(_verifierRoot);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_SeriesMovesSubmoduleToACommitItsOriginHas_StagesSeeTheNewContent()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var tip = await GitAsync(family.Lib, "rev-parse", "main");
        var (baseCommit, series) = await ProduceAsync(family, lib => GitAsync(lib, "checkout", "--quiet", "--detach", tip));

        var result = await VerifyAsync(
            family,
            baseCommit,
            series,
            VerificationScenario.Stage(StageKind.Test, $"grep -q 'lib v2' lib/l.txt && test \"$(git -C lib rev-parse HEAD)\" = {tip} && cat lib/deps/nested/n.txt"));

        // Not passed as a failure the base commit shares (lib v1 there): the stage passed on the work.
        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Empty(result.PreExistingFailures);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_SeriesMovesSubmoduleToACommitItsOriginLacks_FailsPreparationNamingSubmoduleAndCommit()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        var local = string.Empty;
        var (baseCommit, series) = await ProduceAsync(family, async lib =>
        {
            await File.WriteAllTextAsync(Path.Combine(lib, "l.txt"), "only on the agent's machine\n", TestToken);
            await GitAsync(lib, "commit", "--quiet", "--all", "--message", "Never pushed");
            local = await GitAsync(lib, "rev-parse", "HEAD");
        });

        var result = await VerifyAsync(family, baseCommit, series, VerificationScenario.Stage(StageKind.Test, "true"));

        Assert.Equal(VerifyOutcome.PreparationFailed, result.Outcome);
        Assert.Contains("A submodule cannot be checked out with the patch series applied", result.OutputTail, StringComparison.Ordinal);
        Assert.Contains($"submodule 'lib' (path lib, URL {family.Lib})", result.OutputTail, StringComparison.Ordinal);
        Assert.Contains($"the commit {local} is not in {family.Lib}", result.OutputTail, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_SeriesReplacesSubmoduleWithOrdinaryFiles_AppliesAndStagesSeeTheFiles()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        // "Vendor the library": the gitlink and .gitmodules go, lib's files become the superproject's own.
        var (baseCommit, series) = await ProduceWorkAsync(family, async worktree =>
        {
            TempFolder.Delete(Path.Combine(worktree, "lib"));
            File.Delete(Path.Combine(worktree, ".gitmodules"));
            await GitAsync(worktree, "rm", "--quiet", "--cached", "lib");
            Directory.CreateDirectory(Path.Combine(worktree, "lib"));
            await File.WriteAllTextAsync(Path.Combine(worktree, "lib", "l.txt"), "vendored lib\n", TestToken);
        });

        var result = await VerifyAsync(
            family, baseCommit, series, VerificationScenario.Stage(StageKind.Test, "grep -q 'vendored lib' lib/l.txt && test ! -e lib/.git"));

        Assert.True(result.Outcome == VerifyOutcome.Passed, result.OutputTail);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_SeriesAddsSubmoduleWithAbsoluteLocalUrl_FailsPreparationSayingWhy()
    {
        using var family = await SubmoduleFamily.CreateAsync(TestToken);
        // A repository on the verifier's disk that the task never named.
        var secret = Path.Combine(family.Folder, "secret");
        Directory.CreateDirectory(secret);
        await GitAsync(secret, "init", "--quiet", "--initial-branch=main");
        var secretCommit = await SubmoduleFamily.CommitAsync(secret, "s.txt", "not for the checkout\n", "Secret", TestToken);
        var (baseCommit, series) = await ProduceWorkAsync(family, async worktree =>
        {
            await GitAsync(worktree, "config", "--file", ".gitmodules", "submodule.secret.path", "secret");
            await GitAsync(worktree, "config", "--file", ".gitmodules", "submodule.secret.url", secret);
            await GitAsync(worktree, "update-index", "--add", "--cacheinfo", $"160000,{secretCommit},secret");
            // An empty folder is an unpopulated submodule to git add; without one the gitlink would count as deleted.
            Directory.CreateDirectory(Path.Combine(worktree, "secret"));
        });
        Assert.Contains($"+Subproject commit {secretCommit}", series.ToStringUtf8(), StringComparison.Ordinal);

        var result = await VerifyAsync(family, baseCommit, series, VerificationScenario.Stage(StageKind.Test, "true"));

        Assert.Equal(VerifyOutcome.PreparationFailed, result.Outcome);
        Assert.Contains($"submodule 'secret' (path secret, URL {secret})", result.OutputTail, StringComparison.Ordinal);
        Assert.Contains("transport 'file' not allowed", result.OutputTail, StringComparison.Ordinal);
        Assert.Contains("fetched only when .gitmodules gives it relative to a superproject", result.OutputTail, StringComparison.Ordinal);
    }

    // The agent's side: a worktree with submodules, a change inside lib by `moveLib`, and the series that records it.
    private async Task<(string BaseCommit, ByteString Series)> ProduceAsync(SubmoduleFamily family, Func<string, Task> moveLib)
    {
        var produced = await ProduceWorkAsync(family, worktree => moveLib(Path.Combine(worktree, "lib")));
        Assert.Contains("+Subproject commit ", produced.Series.ToStringUtf8(), StringComparison.Ordinal);
        return produced;
    }

    // The agent's side: a worktree with submodules, `change` made in it, and the series that records it.
    private async Task<(string BaseCommit, ByteString Series)> ProduceWorkAsync(SubmoduleFamily family, Func<string, Task> change)
    {
        var producer = new Workspace(_producerRoot);
        var worktree = await producer.PrepareWorktreeAsync(family.Source, "main", "", "1-1", "devserver/task-1", null, TestToken);
        Assert.True(worktree.Succeeded, worktree.Error);
        await change(worktree.Path);
        Assert.NotNull(await producer.CommitAllAsync(worktree.Path, "The work", TestToken));
        var series = await producer.FormatPatchAsync(worktree.Path, worktree.BaseCommit, TestToken);
        return (worktree.BaseCommit, ByteString.CopyFrom(series.Mbox));
    }

    private async Task<VerifyResult> VerifyAsync(SubmoduleFamily family, string baseCommit, ByteString series, params VerificationStage[] stages)
    {
        var handler = new VerificationHandler(new Workspace(_verifierRoot), StageSandbox.None, TimeProvider.System, NullLogger<VerificationHandler>.Instance);
        var work = new VerifyWork
        {
            Repository = family.Source,
            BaseCommit = baseCommit,
            PatchSeries = series,
            DetectedStageTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)),
        };
        work.Stages.AddRange(stages);
        var result = await handler.RunAsync(
            new Assignment { AssignmentId = Guid.NewGuid().ToString(), TaskId = 9, Attempt = 1, Verify = work }, new RecordingReporter(), TestToken);
        return result.Verify;
    }
}
