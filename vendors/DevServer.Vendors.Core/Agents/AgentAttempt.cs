using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Processes;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Mesh;
using Google.Protobuf;

namespace DevServer.Vendors.Core.Agents;

/// <summary>
/// The steps every agent attempt shares, whatever runs the agent (a script, an agent CLI): the task's worktree at the
/// base, the work it left as a patch series, and output lines as events.
/// </summary>
public static class AgentAttempt
{
    /// <summary><c>OutputLine.text</c>, <c>AgentResult.output_excerpt</c> and activity texts hold at most 4 KiB.</summary>
    public const int MaxTextBytes = 4096;

    /// <summary>The workspace folder of the agent CLIs' run folders, one per task (<see cref="WorktreeName"/>): prompts and sessions.</summary>
    public const string RunsFolder = "runs";

    /// <summary>The workspace folder of cached repository maps, one file per commit and index settings.</summary>
    public const string MapsFolder = "maps";

    /// <summary>
    /// One worktree per task (<c>task-&lt;id&gt;</c>): prepared afresh at the base for every attempt, replacing the last
    /// attempt's, and kept afterwards for a look, so a sidecar's disk grows with its tasks, not their attempts, until the
    /// workspace cleanup ages it out (<c>Worker:Cleanup</c>; never while an assignment of the task is held).
    /// </summary>
    public static string WorktreeName(Assignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        return $"task-{assignment.TaskId}";
    }

    /// <summary>
    /// <see cref="PrepareWorktreeAsync"/>, or the result the attempt ends with when the worktree cannot be had:
    /// PREPARATION_FAILED with git's reason, or CANCELLED when the token fired meanwhile.
    /// </summary>
    public static async Task<(WorktreePreparation? Prepared, AgentResult? Ended)> TryPrepareWorktreeAsync(
        Workspace workspace, Assignment assignment, IWorkReporter reporter, CancellationToken cancellationToken)
    {
        try
        {
            var prepared = await PrepareWorktreeAsync(workspace, assignment, reporter, cancellationToken);
            return prepared.Succeeded
                ? (prepared, null)
                : (null, new AgentResult { Outcome = AgentOutcome.PreparationFailed, Error = prepared.Error, BaseCommit = prepared.BaseCommit });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (null, new AgentResult { Outcome = AgentOutcome.Cancelled, Error = "Cancelled while the worktree was prepared." });
        }
    }

    /// <summary>
    /// Prepares the task's worktree at the base commit (or branch), reporting git's output as worker lines, then applies
    /// the work so far (<see cref="AgentWork.PriorWork"/>: a resumed session's own earlier work, or the primary vendor's
    /// after a failover) so the agent continues from it, and only then checks out the submodules: the prior work decides
    /// which there are (it may move, add, remove or replace one with ordinary files). Prior work that does not apply, or
    /// whose submodules cannot be checked out, fails the preparation, with one exception: a submodule the prior work
    /// records at a commit its origin does not have (a commit made inside it, which failed that attempt) is checked out
    /// as the base has it instead, with a worker line saying so (see
    /// <see cref="Workspace.CheckOutPriorWorkSubmodulesAsync(string, string, Action{ProcessOutputLine}?, CancellationToken)"/>):
    /// every later attempt gets the same prior work, so failing here would stop the task for good, while this attempt's
    /// agent, told why the last one failed, can fix it.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<WorktreePreparation> PrepareWorktreeAsync(
        Workspace workspace, Assignment assignment, IWorkReporter reporter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(reporter);
        var work = assignment.Agent;
        var withPriorWork = !work.PriorWork.IsEmpty;
        var prepared = await workspace.PrepareWorktreeAsync(
            work.Repository ?? new RepositorySource(),
            work.BaseBranch,
            work.BaseCommit,
            WorktreeName(assignment),
            string.IsNullOrEmpty(work.WorkBranch) ? null : work.WorkBranch,
            checkOutSubmodules: !withPriorWork,
            line => reporter.Report(OutputLine(OutputSource.Worker, line)),
            cancellationToken);
        if (!prepared.Succeeded || !withPriorWork)
        {
            return prepared;
        }

        var applied = await workspace.ApplyPatchSeriesAsync(prepared.Path, work.PriorWork.Memory, cancellationToken);
        if (!applied.Succeeded)
        {
            return prepared with { Succeeded = false, Error = $"The prior work does not apply to {prepared.BaseCommit}: {applied.Error}" };
        }

        var submodules = await workspace.CheckOutPriorWorkSubmodulesAsync(
            prepared.Path, prepared.BaseCommit, line => reporter.Report(OutputLine(OutputSource.Worker, line)), cancellationToken);
        return submodules.Succeeded
            ? prepared
            : prepared with { Succeeded = false, Error = $"The submodules cannot be checked out with the prior work applied: {submodules.Error}" };
    }

    /// <summary>
    /// Commits whatever the agent left uncommitted and puts every commit after the base (the agent's own, prior work
    /// applied before the run, and this last one) into <paramref name="result"/> as the patch series.
    /// </summary>
    /// <remarks>
    /// Work inside a submodule (changed tracked files there, or commits its origin does not have) cannot travel in the
    /// superproject's patch series. Rather than lose it silently, the attempt fails: a succeeded outcome becomes
    /// <see cref="AgentOutcome.Failed"/> (<see cref="AgentErrorKind.Other"/>) with an error naming each submodule, and
    /// any other outcome gets that text added to its error. The series is collected first, whatever the submodules hold
    /// (for a resumed session, and so that no failure there loses it); a retry gets the text as the previous failure.
    /// Untracked files inside a submodule (build output it does not ignore) fail nothing: a note naming them ends
    /// <see cref="AgentResult.OutputExcerpt"/>. Set the outcome before calling this.
    /// </remarks>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task CollectWorkAsync(
        Workspace workspace, Assignment assignment, WorktreePreparation prepared, AgentResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(result);
        var title = assignment.Agent.Task?.Title is { Length: > 0 } named ? named : "work";
        // Committing in the superproject records where each submodule's HEAD is; it changes nothing inside a submodule,
        // so the look inside them afterwards sees what the agent left.
        await workspace.CommitAllAsync(prepared.Path, $"[task {assignment.TaskId}] {title}", cancellationToken);
        var series = await workspace.FormatPatchAsync(prepared.Path, prepared.BaseCommit, cancellationToken);
        result.HeadCommit = series.HeadCommit;
        result.CommitCount = series.CommitCount;
        result.PatchSeries = ByteString.CopyFrom(series.Mbox);

        SubmoduleWork found;
        try
        {
            found = await workspace.FindSubmoduleWorkAsync(prepared.Path, cancellationToken);
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            found = new SubmoduleWork([$"The submodules cannot be checked for work left inside them: {exception.Message}"], []);
        }

        if (found.Untracked.Count > 0)
        {
            var note = "Note: untracked files inside submodules are not part of the work:\n" + string.Join('\n', found.Untracked);
            result.OutputExcerpt = Utf8Text.Tail(string.IsNullOrEmpty(result.OutputExcerpt) ? note : $"{result.OutputExcerpt}\n{note}", MaxTextBytes);
        }

        if (found.Undeliverable.Count == 0)
        {
            return;
        }

        var reason = UndeliverableSubmoduleWork(found.Undeliverable);
        if (result.Outcome is AgentOutcome.Succeeded or AgentOutcome.Unspecified)
        {
            result.Outcome = AgentOutcome.Failed;
            result.ErrorKind = AgentErrorKind.Other;
            result.Error = reason;
        }
        else
        {
            result.Error = string.IsNullOrEmpty(result.Error) ? reason : $"{result.Error}\n{reason}";
        }
    }

    // The error an attempt fails with when the agent left work inside submodules; a retry's agent reads it (as the previous
    // failure in its prompt), so it says what to do. The next attempt starts with a submodule whose commit its origin lacks
    // back at the base's commit (PrepareWorktreeAsync), so "the commit it starts at" is one that can be delivered.
    private static string UndeliverableSubmoduleWork(IReadOnlyList<string> problems) =>
        "The work inside submodules cannot be delivered: only the superproject's changes travel as the patch series, and a "
            + "submodule may only be moved to a commit its origin already has, so changes and commits made inside a submodule are "
            + "lost. Make the change in the superproject's own files instead, and leave each submodule at the commit it starts at "
            + "(a new attempt starts each at a commit its origin has).\n" + string.Join('\n', problems);

    /// <summary>An output line as an event, cut to 4 KiB.</summary>
    public static WorkEvent OutputLine(OutputSource source, ProcessOutputLine line) => new()
    {
        OutputLine = new OutputLine { Source = source, Stderr = line.IsStandardError, Text = Utf8Text.Head(line.Text, MaxTextBytes) },
    };

    /// <summary>A parsed agent step as an event.</summary>
    public static WorkEvent Activity(AgentActivity activity) => new() { AgentActivity = activity };
}
