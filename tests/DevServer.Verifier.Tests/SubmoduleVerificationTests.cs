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
        Assert.Contains("The patch series moves a submodule", result.OutputTail, StringComparison.Ordinal);
        Assert.Contains($"submodule 'lib' (path lib, URL {family.Lib})", result.OutputTail, StringComparison.Ordinal);
        Assert.Contains($"the commit {local} is not in {family.Lib}", result.OutputTail, StringComparison.Ordinal);
    }

    // The agent's side: a worktree with submodules, a change inside lib by `moveLib`, and the series that records it.
    private async Task<(string BaseCommit, ByteString Series)> ProduceAsync(SubmoduleFamily family, Func<string, Task> moveLib)
    {
        var producer = new Workspace(_producerRoot);
        var worktree = await producer.PrepareWorktreeAsync(family.Source, "main", "", "1-1", "devserver/task-1", null, TestToken);
        Assert.True(worktree.Succeeded, worktree.Error);
        await moveLib(Path.Combine(worktree.Path, "lib"));
        await producer.CommitAllAsync(worktree.Path, "Move lib", TestToken);
        var series = await producer.FormatPatchAsync(worktree.Path, worktree.BaseCommit, TestToken);
        Assert.Contains("+Subproject commit ", System.Text.Encoding.UTF8.GetString(series.Mbox), StringComparison.Ordinal);
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
