using DevServer.Contracts.Events.V1;
using DevServer.Orchestrator.Tasks;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace DevServer.Orchestrator.Scheduling;

/// <summary>
/// Places work on workers: verifications of finished agent work first (those tasks already hold a slot), then
/// queued tasks by priority and age while the queue is not paused and fewer than the concurrency limit are active.
/// Each placement is one transaction under a transaction-scoped advisory lock, so dispatchers on several
/// orchestrators never place the same task twice or overshoot the limit.
/// </summary>
internal sealed partial class Dispatcher(
    NpgsqlDataSource dataSource,
    TaskTransitions transitions,
    ISchedulerFactory schedulerFactory,
    IOptions<SchedulingOptions> options,
    TimeProvider clock,
    ILogger<Dispatcher> logger)
{
    // Any constant shared by every instance; it names "the dispatcher" among advisory locks.
    private const long DispatchLockKey = 0x44535F4449535054;

    // Open and cancelling assignments both occupy a worker until it reports back.
    private const string WorkerLoad =
        "(SELECT count(*) FROM assignments a WHERE a.worker_id = w.id AND a.state IN ('open', 'cancelling'))";

    // The vendor and model a task's attempts run on: its backup once the backup has taken over.
    private const string CurrentVendor = "(CASE WHEN t.on_backup THEN t.backup_vendor ELSE t.vendor END)";
    private const string CurrentModel = "(CASE WHEN t.on_backup THEN t.backup_model ELSE t.model END)";

    public async Task DispatchAsync(CancellationToken cancellationToken)
    {
        while (await PlaceOneAsync(cancellationToken) is { } placed)
        {
            LogPlaced(logger, placed.Kind, placed.TaskId, placed.Attempt, placed.WorkerId);
            await ScheduleTimeoutAsync(placed, cancellationToken);
        }
    }

    private async Task<Placement?> PlaceOneAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            command.Parameters.AddWithValue("key", DispatchLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var now = clock.GetUtcNow();
        var placement = await PlaceVerificationAsync(transaction, now, cancellationToken)
            ?? await PlaceAgentWorkAsync(transaction, now, cancellationToken);
        if (placement is null)
        {
            return null;
        }

        await transaction.CommitAsync(cancellationToken);
        transitions.Committed();
        return placement;
    }

    private async Task<Placement?> PlaceVerificationAsync(NpgsqlTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var candidate = await FindAsync(transaction, now,
            $"""
            SELECT t.id, w.id, w.name FROM tasks t
            CROSS JOIN LATERAL (
                SELECT w.id, w.name FROM workers w
                WHERE w.kind = 'verifier' AND w.instance_id IS NOT NULL AND w.lease_expires_at > @now AND {WorkerLoad} < w.capacity
                ORDER BY {WorkerLoad}, w.id LIMIT 1) w
            WHERE t.status = 'verifying'
              AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.task_id = t.id AND a.state IN ('open', 'cancelling'))
            ORDER BY t.priority, t.id LIMIT 1
            """, cancellationToken);
        if (candidate is not { } found)
        {
            return null;
        }

        var change = await transitions.LockAsync(transaction, found.TaskId, cancellationToken);
        if (change?.Status != TaskStatuses.Verifying)
        {
            return null;
        }

        var assignmentId = Guid.CreateVersion7(now);
        DateTimeOffset deadline;
        int attempt;
        await using (var command = new NpgsqlCommand(
            """
            INSERT INTO assignments (id, task_id, run_id, attempt, worker_id, kind, state, deadline, created_at)
            SELECT @id, r.task_id, r.id, r.attempt, @worker, 'verify', 'open',
                   @now + @grace + (SELECT p.stage_timeout * 4 FROM tasks t JOIN repositories p ON p.id = t.repository_id WHERE t.id = r.task_id),
                   @now
            FROM runs r WHERE r.task_id = @task AND r.outcome = 'running'
            ORDER BY r.attempt DESC LIMIT 1
            RETURNING attempt, deadline;
            SELECT pg_notify('devserver_assignments', '');
            """,
            transaction.Connection, transaction))
        {
            command.Parameters.AddWithValue("id", assignmentId);
            command.Parameters.AddWithValue("worker", found.WorkerId);
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("grace", options.Value.AttemptTimeoutGrace);
            command.Parameters.AddWithValue("task", found.TaskId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            attempt = reader.GetInt32(0);
            deadline = reader.GetFieldValue<DateTimeOffset>(1);
        }

        change.AddEvent(attempt, new TaskEvent
        {
            AttemptStarted = new AttemptStarted { WorkerId = found.WorkerId, WorkerName = found.WorkerName, Work = "verify" },
        });
        await change.FlushAsync(cancellationToken);
        return new Placement("verify", found.TaskId, attempt, found.WorkerId, assignmentId, deadline);
    }

    private async Task<Placement?> PlaceAgentWorkAsync(NpgsqlTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using (var command = new NpgsqlCommand(
            """
            SELECT q.paused OR (SELECT count(*) FROM tasks WHERE status IN ('running', 'verifying')) >= q.max_concurrency
            FROM queue_settings q
            """,
            transaction.Connection, transaction))
        {
            if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
            {
                return null;
            }
        }

        var candidate = await FindAsync(transaction, now,
            $"""
            SELECT t.id, w.id, w.name FROM tasks t
            CROSS JOIN LATERAL (
                SELECT w.id, w.name FROM workers w
                WHERE w.kind = 'vendor' AND w.vendor = {CurrentVendor} AND w.instance_id IS NOT NULL AND w.lease_expires_at > @now
                  AND ({CurrentModel} = '' OR cardinality(w.models) = 0 OR {CurrentModel} = ANY (w.models))
                  AND {WorkerLoad} < w.capacity
                  AND NOT EXISTS (SELECT 1 FROM vendor_pauses p WHERE p.vendor = w.vendor AND p.account = w.account AND p.paused_until > @now)
                ORDER BY (w.id = t.preferred_worker_id) DESC NULLS LAST, {WorkerLoad}, w.id LIMIT 1) w
            WHERE t.status = 'queued' AND (t.not_before IS NULL OR t.not_before <= @now)
            ORDER BY t.priority, t.id LIMIT 1
            """, cancellationToken);
        if (candidate is not { } found)
        {
            return null;
        }

        var change = await transitions.LockAsync(transaction, found.TaskId, cancellationToken);
        if (change?.Status != TaskStatuses.Queued)
        {
            return null;
        }

        var attempt = change.NextAttempt;
        var assignmentId = Guid.CreateVersion7(now);
        DateTimeOffset deadline;
        string vendor, model;
        await using (var command = new NpgsqlCommand(
            $"""
            WITH run AS (
                INSERT INTO runs (task_id, attempt, worker_id, vendor, model, outcome, base_commit, started_at)
                SELECT t.id, @attempt, @worker, {CurrentVendor}, {CurrentModel}, 'running', t.base_commit, @now FROM tasks t WHERE t.id = @task
                RETURNING id)
            INSERT INTO assignments (id, task_id, run_id, attempt, worker_id, kind, state, deadline, created_at)
            SELECT @id, @task, run.id, @attempt, @worker, 'agent', 'open',
                   @now + @grace + (SELECT attempt_timeout FROM tasks WHERE id = @task), @now
            FROM run
            RETURNING deadline;
            UPDATE tasks t SET next_attempt = t.next_attempt + 1, attempts_used = t.attempts_used + 1, not_before = NULL,
                               preferred_worker_id = @worker
            WHERE t.id = @task
            RETURNING {CurrentVendor}, {CurrentModel};
            SELECT pg_notify('devserver_assignments', '');
            """,
            transaction.Connection, transaction))
        {
            command.Parameters.AddWithValue("id", assignmentId);
            command.Parameters.AddWithValue("task", found.TaskId);
            command.Parameters.AddWithValue("attempt", attempt);
            command.Parameters.AddWithValue("worker", found.WorkerId);
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("grace", options.Value.AttemptTimeoutGrace);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            deadline = reader.GetFieldValue<DateTimeOffset>(0);
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            vendor = reader.GetString(0);
            model = reader.GetString(1);
        }

        change.SetStatus(TaskStatuses.Running, $"attempt {attempt} on {found.WorkerName}", attempt);
        change.AddEvent(attempt, new TaskEvent
        {
            AttemptStarted = new AttemptStarted
            {
                WorkerId = found.WorkerId, WorkerName = found.WorkerName, Work = "agent", Vendor = vendor, Model = model,
            },
        });
        await change.FlushAsync(cancellationToken);
        return new Placement("agent", found.TaskId, attempt, found.WorkerId, assignmentId, deadline);
    }

    private static async Task<(long TaskId, string WorkerId, string WorkerName)?> FindAsync(
        NpgsqlTransaction transaction, DateTimeOffset now, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        command.Parameters.AddWithValue("now", now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    private async Task ScheduleTimeoutAsync(Placement placement, CancellationToken cancellationToken)
    {
        // A crash between the commit above and this call leaves the assignment to the sweep, which also checks deadlines.
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        var trigger = TriggerBuilder.Create()
            .ForJob(AttemptTimeoutJob.Key)
            .WithIdentity($"timeout-{placement.AssignmentId}", "pipeline")
            .UsingJobData(AttemptTimeoutJob.AssignmentKey, placement.AssignmentId.ToString())
            .StartAt(placement.Deadline)
            .Build();
        await scheduler.ScheduleJob(trigger, cancellationToken: cancellationToken);
    }

    private sealed record Placement(string Kind, long TaskId, int Attempt, string WorkerId, Guid AssignmentId, DateTimeOffset Deadline);

    [LoggerMessage(Level = LogLevel.Information, Message = "Placed {Kind} work of task {TaskId} attempt {Attempt} on worker {WorkerId}")]
    private static partial void LogPlaced(ILogger logger, string kind, long taskId, int attempt, string workerId);
}
