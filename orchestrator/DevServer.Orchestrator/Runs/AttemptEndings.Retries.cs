using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Orchestrator.Tasks;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace DevServer.Orchestrator.Runs;

/// <summary>
/// What follows a failed attempt: a retry, a backoff that gives the attempt back (the vendor's rate limit), a failover to
/// the backup vendor, or the end of the task. One decision per failure, made inside the failure's transition.
/// </summary>
internal sealed partial class AttemptEndings
{
    /// <summary>After the agent failed: its error kind decides between backing off, stopping and retrying.</summary>
    private async Task ContinueAfterAgentFailureAsync(
        TaskChange change, AssignmentRow assignment, string reason, AgentResult result, CancellationToken cancellationToken)
    {
        if (result.ErrorKind == AgentErrorKind.RateLimited && change.RateLimitStreak < agentOptions.Value.MaxRateLimitRetries)
        {
            await BackOffAfterRateLimitAsync(change, assignment, reason, result.RateLimitResetsAt, cancellationToken);
            return;
        }

        if (AgentErrorKinds.IsHard(result.ErrorKind))
        {
            // Retrying on the same vendor cannot fix a wrong key, an empty account or an unknown model.
            await FailOverOrEndAsync(change, assignment, TaskStatuses.Blocked, reason, cancellationToken);
            return;
        }

        // A turn limit is not a failure of the work: the next attempt continues the session.
        if (result.ErrorKind != AgentErrorKind.MaxTurns
            && await ClassifyAndEscalateAsync(change, assignment, "agent", $"{result.Error}\n{result.OutputExcerpt}", reason, cancellationToken))
        {
            return;
        }

        await QueueRetryOrFailAsync(change, assignment, reason, cancellationToken);
    }

    /// <summary>Queues the next attempt after a delay that grows with the attempts used; when none are left, fails over or fails.</summary>
    private async Task QueueRetryOrFailAsync(TaskChange change, AssignmentRow assignment, string reason, CancellationToken cancellationToken)
    {
        if (change.AttemptsUsed >= change.MaxAttempts)
        {
            await FailOverOrEndAsync(change, assignment, TaskStatuses.Failed, reason, cancellationToken);
            return;
        }

        var notBefore = change.Now + options.Value.RetryDelayAfter(change.AttemptsUsed);
        await change.ExecuteAsync(
            "UPDATE tasks SET not_before = @not_before, rate_limit_streak = 0 WHERE id = @task",
            p => p.AddWithValue("not_before", notBefore), cancellationToken);
        change.SetStatus(TaskStatuses.Queued, reason, assignment.Attempt);
        change.AddEvent(assignment.Attempt, new TaskEvent
        {
            RetryScheduled = new RetryScheduled
            {
                NextAttempt = change.NextAttempt,
                NotBefore = Timestamp.FromDateTimeOffset(notBefore),
                Reason = reason,
                            },
        });
        await dispatch.RequestAtAsync(notBefore, cancellationToken);
    }

    /// <summary>
    /// The vendor refused for now. The attempt is given back; when the vendor said when its limit resets, its account is
    /// paused until then (other accounts and vendors keep working, and a task with a backup takes it instead of waiting
    /// long); otherwise the task waits 30 s, 60 s, 120 s… with jitter.
    /// </summary>
    private async Task BackOffAfterRateLimitAsync(
        TaskChange change, AssignmentRow assignment, string reason, Timestamp? resetsAt, CancellationToken cancellationToken)
    {
        var settings = agentOptions.Value;
        var streak = change.RateLimitStreak + 1;
        await change.ExecuteAsync(
            """
            UPDATE runs SET attempt_given_back = true WHERE id = @run;
            UPDATE tasks SET attempts_used = greatest(attempts_used - 1, 0), rate_limit_streak = @streak WHERE id = @task;
            """,
            p => { p.AddWithValue("run", assignment.RunId); p.AddWithValue("streak", streak); },
            cancellationToken);

        var until = resetsAt?.ToDateTimeOffset();
        DateTimeOffset retryAt;
        if (until > change.Now)
        {
            var (vendor, account) = await PauseAccountAsync(change, assignment, until.Value, reason, cancellationToken);
            change.AddEvent(assignment.Attempt, new TaskEvent
            {
                VendorPaused = new VendorPaused { Vendor = vendor, Account = account, Until = resetsAt, Reason = reason },
            });
            if (change.Agents.CanFailOver && until.Value - change.Now > settings.MaxWaitForPausedVendor)
            {
                await FailOverAsync(change, assignment, $"{vendor} is paused until {until.Value:u}: {reason}", cancellationToken);
                return;
            }

            // No not_before: a worker of another account of the vendor may take the task at once.
            retryAt = until.Value;
        }
        else
        {
            retryAt = change.Now + settings.RateLimitDelay(streak, Random.Shared.NextDouble());
            await change.ExecuteAsync(
                "UPDATE tasks SET not_before = @not_before WHERE id = @task",
                p => p.AddWithValue("not_before", retryAt), cancellationToken);
        }

        change.SetStatus(TaskStatuses.Queued, $"rate limited by the vendor: {reason}", assignment.Attempt);
        change.AddEvent(assignment.Attempt, new TaskEvent
        {
            RetryScheduled = new RetryScheduled
            {
                NextAttempt = change.NextAttempt,
                NotBefore = Timestamp.FromDateTimeOffset(retryAt),
                Reason = reason,
                AttemptGivenBack = true,
            },
        });
        await dispatch.RequestAtAsync(retryAt, cancellationToken);
    }

    /// <summary>Pauses the account of the assignment's worker; a pause already running longer is kept.</summary>
    private static async Task<(string Vendor, string Account)> PauseAccountAsync(
        TaskChange change, AssignmentRow assignment, DateTimeOffset until, string reason, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO vendor_pauses (vendor, account, paused_until, reason, paused_at)
            SELECT w.vendor, w.account, @until, @reason, @now FROM workers w WHERE w.id = @worker
            ON CONFLICT (vendor, account) DO UPDATE SET
                paused_until = greatest(vendor_pauses.paused_until, excluded.paused_until), reason = excluded.reason, paused_at = excluded.paused_at
            RETURNING vendor, account
            """,
            change.Transaction.Connection, change.Transaction);
        command.Parameters.AddWithValue("until", until);
        command.Parameters.AddWithValue("reason", reason);
        command.Parameters.AddWithValue("now", change.Now);
        command.Parameters.AddWithValue("worker", assignment.WorkerId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetString(1)) : (change.Agents.CurrentVendor, "");
    }

    /// <summary>Hands the task to its backup vendor when it has one not yet used; otherwise ends it in <paramref name="status"/>.</summary>
    private static async Task FailOverOrEndAsync(
        TaskChange change, AssignmentRow assignment, string status, string reason, CancellationToken cancellationToken)
    {
        if (change.Agents.CanFailOver)
        {
            await FailOverAsync(change, assignment, reason, cancellationToken);
            return;
        }

        await change.ExecuteAsync("UPDATE tasks SET rate_limit_streak = 0 WHERE id = @task", _ => { }, cancellationToken);
        change.SetStatus(status, reason, assignment.Attempt);
    }

    /// <summary>
    /// The backup vendor takes over with a fresh attempt budget and a fresh session, starting from the work done so far
    /// (the delivery sends the latest patch series as the new attempt's prior work).
    /// </summary>
    private static async Task FailOverAsync(TaskChange change, AssignmentRow assignment, string reason, CancellationToken cancellationToken)
    {
        var agents = change.Agents;
        int carried;
        await using (var command = new NpgsqlCommand(
            """
            UPDATE tasks SET on_backup = true, attempts_used = 0, rate_limit_streak = 0, not_before = NULL, preferred_worker_id = NULL
            WHERE id = @task;
            SELECT coalesce((SELECT r.commit_count FROM runs r JOIN tasks t ON t.id = r.task_id
                             WHERE r.task_id = @task AND r.patch_series IS NOT NULL AND r.base_commit = t.base_commit
                             ORDER BY r.attempt DESC LIMIT 1), 0);
            """,
            change.Transaction.Connection, change.Transaction))
        {
            command.Parameters.AddWithValue("task", change.TaskId);
            carried = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        change.AddEvent(assignment.Attempt, new TaskEvent
        {
            FailedOver = new FailedOver
            {
                FromVendor = agents.Vendor,
                FromModel = agents.Model,
                ToVendor = agents.BackupVendor,
                ToModel = agents.BackupModel,
                Reason = reason,
                CarriedCommits = carried,
            },
        });
        var model = agents.BackupModel.Length == 0 ? "" : $" ({agents.BackupModel})";
        change.SetStatus(TaskStatuses.Queued, Truncate($"failing over to {agents.BackupVendor}{model}: {reason}"), assignment.Attempt);
    }
}
