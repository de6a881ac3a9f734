using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Repositories;
using DevServer.Orchestrator.Scheduling;
using DevServer.Orchestrator.Tasks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DevServer.Orchestrator.Runs;

/// <summary>What happened to a worker's report about an assignment.</summary>
internal enum ReportOutcome
{
    /// <summary>The assignment is not this worker's any more (lost, timed out, deleted): tell the worker to drop it.</summary>
    Refused,

    /// <summary>Stored now, or stored earlier (a resend after a reconnect): acknowledge it.</summary>
    Stored,
}

/// <summary>
/// Everything that ends or advances an attempt: a worker's events and results, the orchestrator's own timeout, and
/// lost workers. Each is one <see cref="TaskTransitions"/> change with the assignment row locked after the task row
/// (the lock order every writer follows), so a late or repeated report can never be applied twice.
/// </summary>
internal sealed partial class AttemptEndings(
    NpgsqlDataSource dataSource,
    TaskTransitions transitions,
    DispatchRequests dispatch,
    DeliveryLoop deliveries,
    IOptions<SchedulingOptions> options,
    IOptions<AgentOptions> agentOptions,
    TimeProvider clock,
    ILogger<AttemptEndings> logger)
{
    private const int MaxReasonLength = 4000;

    /// <summary>Stores the events with a sequence number above what is stored; returns the highest stored number.</summary>
    public async Task<(ReportOutcome Outcome, long EventsThrough)> StoreEventsAsync(
        string workerId, WorkEvents events, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(events.AssignmentId, out var assignmentId) || await FindTaskAsync(assignmentId, workerId, cancellationToken) is not { } taskId)
        {
            return (ReportOutcome.Refused, 0);
        }

        var result = await transitions.ChangeAsync(taskId, async change =>
        {
            if (await LockAssignmentAsync(change, assignmentId, cancellationToken) is not { } assignment || assignment.WorkerId != workerId)
            {
                return (ReportOutcome.Refused, 0L);
            }

            var through = assignment.LastEventSequence;
            foreach (var workEvent in events.Events.OrderBy(e => e.Sequence))
            {
                if (workEvent.Sequence <= through)
                {
                    continue;
                }

                if (ToTaskEvent(workEvent) is { } taskEvent)
                {
                    change.AddEvent(assignment.Attempt, taskEvent);
                }

                if (workEvent.StageStarted is { } stage)
                {
                    // Before the events are appended at flush: the event log head is locked last.
                    await DetectedCommands.RecordAsync(change, stage, cancellationToken);
                }

                through = workEvent.Sequence;
            }

            if (through != assignment.LastEventSequence)
            {
                await change.ExecuteAsync(
                    "UPDATE assignments SET last_event_sequence = @through WHERE id = @assignment",
                    p => { p.AddWithValue("through", through); p.AddWithValue("assignment", assignmentId); },
                    cancellationToken);
            }

            return (ReportOutcome.Stored, through);
        }, cancellationToken);
        return result;
    }

    /// <summary>Records a result once; a repeat of a stored result is acknowledged again without changing anything.</summary>
    public async Task<ReportOutcome> RecordResultAsync(string workerId, WorkResult result, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(result.AssignmentId, out var assignmentId) || await FindTaskAsync(assignmentId, workerId, cancellationToken) is not { } taskId)
        {
            return ReportOutcome.Refused;
        }

        var outcome = await transitions.ChangeAsync(taskId, async change =>
        {
            if (await LockAssignmentAsync(change, assignmentId, cancellationToken) is not { } assignment || assignment.WorkerId != workerId)
            {
                return ReportOutcome.Refused;
            }

            switch (assignment.State)
            {
                case "finished" or "cancelled":
                    return ReportOutcome.Stored;
                case "lost" or "timed_out":
                    return ReportOutcome.Refused;
            }

            var cancelledByUs = assignment.State == "cancelling";
            await SetAssignmentStateAsync(change, assignmentId, cancelledByUs ? "cancelled" : "finished", cancellationToken);
            switch (result.ResultCase)
            {
                case WorkResult.ResultOneofCase.Agent when assignment.Kind == "agent":
                    await RecordAgentResultAsync(change, assignment, result.Agent, cancelledByUs, cancellationToken);
                    break;
                case WorkResult.ResultOneofCase.Verify when assignment.Kind == "verify":
                    await RecordVerifyResultAsync(change, assignment, result.Verify, cancelledByUs, cancellationToken);
                    break;
                default:
                    LogMismatchedResult(logger, assignmentId, assignment.Kind, result.ResultCase.ToString());
                    await FailAttemptAsync(change, assignment, RunOutcomes.Failed, "the worker answered with the wrong kind of result", cancellationToken);
                    break;
            }

            return ReportOutcome.Stored;
        }, cancellationToken);
        dispatch.Request();
        // After the commit, so the loop sees a task that just became delivering (cheap when none did).
        deliveries.Wake();
        return outcome;
    }

    private async Task RecordAgentResultAsync(
        TaskChange change, AssignmentRow assignment, AgentResult result, bool cancelledByUs, CancellationToken cancellationToken)
    {
        var outcome = result.Outcome switch
        {
            _ when cancelledByUs => RunOutcomes.Cancelled,
            AgentOutcome.Succeeded when result.CommitCount > 0 => change.SkipVerification ? RunOutcomes.Succeeded : RunOutcomes.Running,
            AgentOutcome.Succeeded or AgentOutcome.Failed => RunOutcomes.Failed,
            AgentOutcome.TimedOut => RunOutcomes.TimedOut,
            AgentOutcome.Cancelled => RunOutcomes.Lost,
            AgentOutcome.PreparationFailed => RunOutcomes.Blocked,
            _ => RunOutcomes.Failed,
        };
        var error = result.Outcome switch
        {
            AgentOutcome.Succeeded when result.CommitCount == 0 => "the agent made no changes",
            AgentOutcome.Failed when result.Error.Length == 0 && result.HasExitCode => $"the agent exited with code {result.ExitCode}",
            AgentOutcome.Cancelled when !cancelledByUs => "the sidecar stopped the attempt (shutting down)",
            _ => result.Error,
        };
        error = Truncate(error);

        await change.ExecuteAsync(
            """
            UPDATE runs SET exit_code = @exit_code, turns = @turns, cost_usd = @cost, duration = @duration, session_id = @session,
                   output_excerpt = @excerpt, error = @error, base_commit = @base, head_commit = @head, commit_count = @commits,
                   patch_series = @patch, error_kind = @error_kind, input_tokens = @input_tokens, output_tokens = @output_tokens,
                   cache_read_tokens = @cache_read_tokens, cache_write_tokens = @cache_write_tokens,
                   outcome = CASE WHEN outcome = 'running' THEN @outcome ELSE outcome END,
                   finished_at = CASE WHEN @outcome = 'running' THEN NULL ELSE coalesce(finished_at, @now) END
            WHERE id = @run;
            UPDATE tasks SET base_commit = @base WHERE id = @task AND base_commit = '' AND @base <> '';
            """,
            p =>
            {
                p.Add(new NpgsqlParameter<int?>("exit_code", NpgsqlTypes.NpgsqlDbType.Integer) { TypedValue = result.HasExitCode ? result.ExitCode : null });
                p.AddWithValue("turns", result.Turns);
                p.AddWithValue("cost", (decimal)result.CostUsd);
                p.Add(new NpgsqlParameter<TimeSpan?>("duration", NpgsqlTypes.NpgsqlDbType.Interval) { TypedValue = result.Duration?.ToTimeSpan() });
                p.AddWithValue("session", result.SessionId);
                p.AddWithValue("excerpt", Truncate(result.OutputExcerpt));
                p.AddWithValue("error", error);
                p.AddWithValue("base", result.BaseCommit);
                p.AddWithValue("head", result.HeadCommit);
                p.AddWithValue("commits", result.CommitCount);
                p.Add(new NpgsqlParameter<byte[]?>("patch", NpgsqlTypes.NpgsqlDbType.Bytea)
                {
                    TypedValue = result.PatchSeries.IsEmpty ? null : result.PatchSeries.ToByteArray(),
                });
                p.AddWithValue("outcome", outcome);
                p.AddWithValue("run", assignment.RunId);
                p.AddWithValue("error_kind", AgentErrorKinds.ToStored(result.ErrorKind));
                var usage = result.Usage ?? new TokenUsage();
                p.AddWithValue("input_tokens", usage.InputTokens);
                p.AddWithValue("output_tokens", usage.OutputTokens);
                p.AddWithValue("cache_read_tokens", usage.CacheReadTokens);
                p.AddWithValue("cache_write_tokens", usage.CacheWriteTokens);
            },
            cancellationToken);

        var finished = new AgentFinished
        {
            Outcome = RunOutcomes.FromStored(outcome == RunOutcomes.Running ? RunOutcomes.Succeeded : outcome),
            CommitCount = result.CommitCount,
            Duration = result.Duration,
            Error = error,
        };
        if (result.HasExitCode)
        {
            finished.ExitCode = result.ExitCode;
        }

        change.AddEvent(assignment.Attempt, new TaskEvent { AgentFinished = finished });
        if (cancelledByUs)
        {
            return;
        }

        switch (outcome)
        {
            case RunOutcomes.Running:
                change.SetStatus(TaskStatuses.Verifying, $"the agent made {result.CommitCount} commit(s); verifying", assignment.Attempt);
                break;
            case RunOutcomes.Succeeded:
                change.SetStatus(TaskStatuses.Delivering, "the agent's work is ready (verification skipped); delivering", assignment.Attempt);
                break;
            case RunOutcomes.Blocked:
                change.SetStatus(TaskStatuses.Blocked, Truncate($"the worktree could not be prepared: {error}"), assignment.Attempt);
                break;
            case RunOutcomes.Lost:
                await change.ExecuteAsync(
                    "UPDATE tasks SET attempts_used = greatest(attempts_used - 1, 0), preferred_worker_id = NULL WHERE id = @task",
                    _ => { }, cancellationToken);
                change.SetStatus(TaskStatuses.Queued, error, assignment.Attempt);
                break;
            default:
                await ContinueAfterAgentFailureAsync(change, assignment, error, result, cancellationToken);
                break;
        }
    }

    private async Task RecordVerifyResultAsync(
        TaskChange change, AssignmentRow assignment, VerifyResult result, bool cancelledByUs, CancellationToken cancellationToken)
    {
        var failedStage = result.Outcome switch
        {
            VerifyOutcome.Failed => StageName(result.FailedStage),
            VerifyOutcome.PreparationFailed => "apply",
            _ => "",
        };
        await change.ExecuteAsync(
            """
            UPDATE runs SET verification_passed = @passed, verification_failed_stage = @stage, verification_exit_code = @exit_code,
                   verification_output_tail = @tail, verification_duration = @duration
            WHERE id = @run
            """,
            p =>
            {
                p.AddWithValue("passed", result.Outcome == VerifyOutcome.Passed);
                p.AddWithValue("stage", failedStage);
                p.Add(new NpgsqlParameter<int?>("exit_code", NpgsqlTypes.NpgsqlDbType.Integer) { TypedValue = result.HasExitCode ? result.ExitCode : null });
                p.AddWithValue("tail", Truncate(result.OutputTail));
                p.Add(new NpgsqlParameter<TimeSpan?>("duration", NpgsqlTypes.NpgsqlDbType.Interval) { TypedValue = result.Duration?.ToTimeSpan() });
                p.AddWithValue("run", assignment.RunId);
            },
            cancellationToken);
        if (cancelledByUs)
        {
            return;
        }

        switch (result.Outcome)
        {
            case VerifyOutcome.Passed:
                await SetRunOutcomeAsync(change, assignment.RunId, RunOutcomes.Succeeded, "", cancellationToken);
                var alreadyFailing = string.Join(", ", result.PreExistingFailures.Select(StageName));
                // Delivery (the preflight gate, then the task's flow) takes it from here: see Delivery/DeliveryLoop.
                change.SetStatus(
                    TaskStatuses.Delivering,
                    alreadyFailing.Length == 0 ? "verified; delivering" : $"verified ({alreadyFailing} failed on the base commit too and is not counted); delivering",
                    assignment.Attempt);
                break;
            case VerifyOutcome.Cancelled:
                // The verifier stopped on its own (shutting down): the task stays verifying and is placed again.
                break;
            default:
                var reason = Truncate(result.Outcome == VerifyOutcome.PreparationFailed
                    ? $"the agent's work did not apply: {result.OutputTail}"
                    : $"[{failedStage}] failed{(result.TimedOut ? " (timed out)" : result.HasExitCode ? $" with exit code {result.ExitCode}" : "")}:\n{result.OutputTail}");
                await SetRunOutcomeAsync(change, assignment.RunId, RunOutcomes.Failed, reason, cancellationToken);
                if (!await ClassifyAndEscalateAsync(change, assignment, "verifier", result.OutputTail, reason, cancellationToken))
                {
                    await QueueRetryOrFailAsync(change, assignment, reason, cancellationToken);
                }

                break;
        }
    }

    /// <summary>Ends the attempt's run with a failure and retries the task if attempts remain.</summary>
    private async Task FailAttemptAsync(TaskChange change, AssignmentRow assignment, string outcome, string reason, CancellationToken cancellationToken)
    {
        reason = Truncate(reason);
        await SetRunOutcomeAsync(change, assignment.RunId, outcome, reason, cancellationToken);
        await QueueRetryOrFailAsync(change, assignment, reason, cancellationToken);
    }

    private static Task SetRunOutcomeAsync(TaskChange change, long runId, string outcome, string error, CancellationToken cancellationToken) =>
        change.ExecuteAsync(
            """
            UPDATE runs SET outcome = @outcome, error = CASE WHEN @error = '' THEN error ELSE @error END, finished_at = coalesce(finished_at, @now)
            WHERE id = @run
            """,
            p => { p.AddWithValue("outcome", outcome); p.AddWithValue("error", error); p.AddWithValue("run", runId); },
            cancellationToken);

    private static Task SetAssignmentStateAsync(TaskChange change, Guid assignmentId, string state, CancellationToken cancellationToken) =>
        change.ExecuteAsync(
            "UPDATE assignments SET state = @state, finished_at = @now WHERE id = @assignment",
            p => { p.AddWithValue("state", state); p.AddWithValue("assignment", assignmentId); },
            cancellationToken);

    private static Task NotifyAssignmentsAsync(TaskChange change, CancellationToken cancellationToken) =>
        change.ExecuteAsync("SELECT pg_notify('devserver_assignments', '')", _ => { }, cancellationToken);

    private async Task<long?> FindTaskAsync(Guid assignmentId, string? workerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT task_id FROM assignments WHERE id = @id AND (@worker::text IS NULL OR worker_id = @worker)");
        command.Parameters.AddWithValue("id", assignmentId);
        command.Parameters.Add(new NpgsqlParameter<string?>("worker", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = workerId });
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }

    private static async Task<AssignmentRow?> LockAssignmentAsync(TaskChange change, Guid assignmentId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT run_id, attempt, worker_id, kind, state, last_event_sequence FROM assignments WHERE id = @id FOR UPDATE",
            change.Transaction.Connection, change.Transaction);
        command.Parameters.AddWithValue("id", assignmentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new AssignmentRow(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5))
            : null;
    }

    private static async Task<string> ReadWorkerNameAsync(TaskChange change, string workerId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT name FROM workers WHERE id = @id", change.Transaction.Connection, change.Transaction);
        command.Parameters.AddWithValue("id", workerId);
        return await command.ExecuteScalarAsync(cancellationToken) as string ?? workerId;
    }

    private static TaskEvent? ToTaskEvent(WorkEvent workEvent) => workEvent.KindCase switch
    {
        WorkEvent.KindOneofCase.OutputLine => new TaskEvent { OutputLine = workEvent.OutputLine },
        WorkEvent.KindOneofCase.AgentActivity => new TaskEvent { AgentActivity = workEvent.AgentActivity },
        WorkEvent.KindOneofCase.StageStarted => new TaskEvent { StageStarted = workEvent.StageStarted },
        WorkEvent.KindOneofCase.StageFinished => new TaskEvent { StageFinished = workEvent.StageFinished },
        _ => null,
    };

    private static string StageName(StageKind stage) => stage switch
    {
        StageKind.Pre => "pre",
        StageKind.Build => "build",
        StageKind.Test => "test",
        StageKind.Lint => "lint",
        _ => "unknown",
    };

    private static string Truncate(string text) => text.Length <= MaxReasonLength ? text : "…" + text[^MaxReasonLength..];

    private sealed record AssignmentRow(long RunId, int Attempt, string WorkerId, string Kind, string State, long LastEventSequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId} lost assignment {AssignmentId} of task {TaskId}")]
    private static partial void LogWorkerLost(ILogger logger, string workerId, Guid assignmentId, long taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Assignment {AssignmentId} is {Kind} work but the worker sent a {ResultKind} result")]
    private static partial void LogMismatchedResult(ILogger logger, Guid assignmentId, string kind, string resultKind);
}
