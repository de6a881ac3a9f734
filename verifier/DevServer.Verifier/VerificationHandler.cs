using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Verifier.Sandbox;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Mesh;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace DevServer.Verifier;

/// <summary>
/// One verification: a checkout of the repository at the base commit (worktree <c>verify-&lt;task&gt;-&lt;attempt&gt;</c>,
/// the agent's patch series applied with <c>git am</c>, then the submodules the result records checked out at their
/// commits), then the stages in order (detected ones included, see
/// <see cref="StagePlan"/>) until one fails — unless it fails the same way on the base commit (<see cref="BaselineChecks"/>),
/// which is not the agent's doing. The checkout is removed at the end, whatever the outcome. Stages on the work and on
/// the base commit run alike, in <paramref name="sandbox"/>.
/// </summary>
internal sealed class VerificationHandler(Workspace workspace, StageSandbox sandbox, TimeProvider timeProvider, ILogger<VerificationHandler> logger)
    : IAssignmentHandler
{
    private readonly StageRunner _stages = new(timeProvider, sandbox);
    private readonly BaselineChecks _baselines = new(workspace, new StageRunner(timeProvider, sandbox));

    /// <summary>
    /// A verification's checkout, the base commit's checkout its baseline checks may make, and that commit's cached
    /// baseline outcomes: the workspace cleanup leaves them alone while the verification is held.
    /// </summary>
    public IEnumerable<string> WorkspacePathsInUse(Assignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        if (assignment.Verify is not { } work)
        {
            return [];
        }

        List<string> paths = [$"worktrees/{WorktreeName(assignment)}"];
        if (!string.IsNullOrEmpty(work.BaseCommit))
        {
            paths.Add($"worktrees/{BaselineChecks.WorktreeName(work.BaseCommit)}");
            paths.Add($"{BaselineChecks.Folder}/{work.BaseCommit}");
        }

        return paths;
    }

    internal static string WorktreeName(Assignment assignment) => $"verify-{assignment.TaskId}-{assignment.Attempt}";

    public async Task<WorkResult> RunAsync(Assignment assignment, IWorkReporter reporter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(reporter);
        var work = assignment.Verify ?? throw new ArgumentException("The assignment carries no VerifyWork.", nameof(assignment));
        var started = timeProvider.GetTimestamp();
        var worktreeName = WorktreeName(assignment);
        try
        {
            var result = await VerifyAsync(work, worktreeName, reporter, cancellationToken);
            result.Duration = Duration.FromTimeSpan(timeProvider.GetElapsedTime(started));
            VerifierLog.Finished(logger, assignment.AssignmentId, result.Outcome, result.FailedStage);
            return new WorkResult { Verify = result };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled while git ran (the stages report cancellation as an outcome).
            VerifierLog.Finished(logger, assignment.AssignmentId, VerifyOutcome.Cancelled, StageKind.Unspecified);
            return new WorkResult
            {
                Verify = new VerifyResult { Outcome = VerifyOutcome.Cancelled, Duration = Duration.FromTimeSpan(timeProvider.GetElapsedTime(started)) },
            };
        }
        finally
        {
            await RemoveCheckoutAsync(worktreeName);
        }
    }

    private async Task<VerifyResult> VerifyAsync(VerifyWork work, string worktreeName, IWorkReporter reporter, CancellationToken cancellationToken)
    {
        if (work.Repository is null || string.IsNullOrEmpty(work.BaseCommit))
        {
            return PreparationFailed("The verification names no repository or no base commit.");
        }

        // Submodules only after the series: it decides which there are. Checked out before git am, they would be in its
        // way (a series replacing a submodule with ordinary files meets the clone's files) or stay behind as untracked
        // files when the series removes one.
        var checkout = await workspace.PrepareWorktreeAsync(
            work.Repository,
            string.Empty,
            work.BaseCommit,
            worktreeName,
            null,
            checkOutSubmodules: false,
            line => ReportWorkerLine(reporter, line.IsStandardError, line.Text),
            cancellationToken);
        if (!checkout.Succeeded)
        {
            return PreparationFailed(checkout.Error);
        }

        var applied = await workspace.ApplyPatchSeriesAsync(checkout.Path, work.PatchSeries.Memory, cancellationToken);
        if (!applied.Succeeded)
        {
            return PreparationFailed($"The patch series does not apply on {work.BaseCommit}:\n{applied.Error}");
        }

        // A series that moves (or adds) a submodule records only the new commit: it is checked out before any stage runs.
        var submodules = await workspace.CheckOutSubmodulesAsync(
            checkout.Path, line => ReportWorkerLine(reporter, line.IsStandardError, line.Text), cancellationToken);
        if (!submodules.Succeeded)
        {
            return PreparationFailed($"A submodule cannot be checked out with the patch series applied:\n{submodules.Error}");
        }

        var planned = StagePlan.For(work, checkout.Path);
        var preExisting = new List<StageKind>();
        for (var index = 0; index < planned.Count; index++)
        {
            var (stage, detectedFrom) = planned[index];
            if (detectedFrom.Length > 0)
            {
                ReportWorkerLine(reporter, false, $"{stage.Kind.ToString().ToLowerInvariant()} stage detected: {stage.Command} ({detectedFrom})");
            }

            VerifierLog.StageStarting(logger, worktreeName, stage.Kind);
            var outcome = await _stages.RunAsync(stage, checkout.Path, reporter, cancellationToken, detectedFrom);
            if (outcome.Cancelled)
            {
                reporter.Report(new WorkEvent { StageFinished = outcome.ToEvent(stage.Kind) });
                return new VerifyResult { Outcome = VerifyOutcome.Cancelled };
            }

            var alreadyThere = !outcome.Passed
                && await _baselines.IsPreExistingAsync(work, planned.Take(index + 1).ToList(), outcome, checkout.Path, cancellationToken);
            reporter.Report(new WorkEvent { StageFinished = outcome.ToEvent(stage.Kind, alreadyThere) });
            if (alreadyThere)
            {
                ReportWorkerLine(reporter, false, $"{stage.Kind.ToString().ToLowerInvariant()} fails the same way on the base commit {work.BaseCommit}: not counted against the agent");
                preExisting.Add(stage.Kind);
                continue;
            }

            if (!outcome.Passed)
            {
                var failed = new VerifyResult
                {
                    Outcome = VerifyOutcome.Failed,
                    FailedStage = stage.Kind,
                    TimedOut = outcome.TimedOut,
                    OutputTail = outcome.OutputTail,
                };
                if (outcome.ExitCode is { } code)
                {
                    failed.ExitCode = code;
                }

                failed.PreExistingFailures.AddRange(preExisting);
                return failed;
            }
        }

        var passed = new VerifyResult { Outcome = VerifyOutcome.Passed };
        passed.PreExistingFailures.AddRange(preExisting);
        return passed;
    }

    // Not cancellable: a cancelled verification still leaves no checkout behind. A failure here does not change the
    // outcome; the next preparation of that name starts by removing whatever is left.
    private async Task RemoveCheckoutAsync(string worktreeName)
    {
        try
        {
            await workspace.RemoveWorktreeAsync(worktreeName, CancellationToken.None);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            VerifierLog.CheckoutNotRemoved(logger, exception, worktreeName);
        }
    }

    private static VerifyResult PreparationFailed(string error) =>
        new() { Outcome = VerifyOutcome.PreparationFailed, OutputTail = OutputText.Tail(error) };

    // git's own output while the checkout is prepared, shown as the worker's.
    private static void ReportWorkerLine(IWorkReporter reporter, bool isStandardError, string text) =>
        reporter.Report(new WorkEvent
        {
            OutputLine = new OutputLine
            {
                Source = OutputSource.Worker,
                Stderr = isStandardError,
                Text = OutputText.CutToBytes(text, OutputText.MaxLineBytes),
            },
        });
}
