using DevServer.Contracts.Events.V1;
using DevServer.Orchestrator.Events;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Tasks;

/// <summary>
/// The one way a task changes: a transaction that locks the task's row, checks where the task is, changes it and
/// stores the events describing the change, all committed together. Callers (the task API, the dispatcher, the
/// mesh's result handling, the sweeps) describe the change; this class owns the transaction and the event log.
/// </summary>
internal sealed class TaskTransitions(NpgsqlDataSource dataSource, EventPump eventPump, TimeProvider clock)
{
    /// <summary>
    /// Runs <paramref name="change"/> with the task locked. Returns null when the task does not exist. Throwing from
    /// <paramref name="change"/> rolls everything back.
    /// </summary>
    public async Task<T?> ChangeAsync<T>(long taskId, Func<TaskChange, Task<T>> change, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var locked = await LockAsync(transaction, taskId, cancellationToken);
        if (locked is null)
        {
            return default;
        }

        var result = await change(locked);
        await locked.FlushAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (locked.HasEvents)
        {
            eventPump.Wake();
        }

        return result;
    }

    /// <summary>Locks a task inside a transaction the caller already holds (the dispatcher's); flush before committing.</summary>
    public async Task<TaskChange?> LockAsync(NpgsqlTransaction transaction, long taskId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT status, attempts_used, max_attempts, next_attempt, skip_verification, base_commit, preferred_worker_id,
                   vendor, model, backup_vendor, backup_model, on_backup, rate_limit_streak
            FROM tasks WHERE id = @id FOR UPDATE
            """,
            transaction.Connection, transaction);
        command.Parameters.AddWithValue("id", taskId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new TaskChange(transaction, taskId, clock.GetUtcNow())
        {
            Status = reader.GetString(0),
            AttemptsUsed = reader.GetInt32(1),
            MaxAttempts = reader.GetInt32(2),
            NextAttempt = reader.GetInt32(3),
            SkipVerification = reader.GetBoolean(4),
            BaseCommit = reader.GetString(5),
            PreferredWorkerId = reader.IsDBNull(6) ? null : reader.GetString(6),
            Agents = new TaskAgents(reader.GetString(7), reader.GetString(8), reader.GetString(9), reader.GetString(10), reader.GetBoolean(11)),
            RateLimitStreak = reader.GetInt32(12),
        };
    }

    /// <summary>Tells the event pump that a transaction flushed through <see cref="TaskChange.FlushAsync"/> committed.</summary>
    public void Committed() => eventPump.Wake();
}

/// <summary>A locked task and the change being made to it.</summary>
internal sealed class TaskChange(NpgsqlTransaction transaction, long taskId, DateTimeOffset now)
{
    private readonly List<(int Attempt, TaskEvent Event)> _events = [];
    private string? _newStatus;
    private string _reason = "";

    public NpgsqlTransaction Transaction { get; } = transaction;

    public long TaskId { get; } = taskId;

    /// <summary>The time of this change (one reading of the clock for every row it writes).</summary>
    public DateTimeOffset Now { get; } = now;

    /// <summary>The stored status when the row was locked (<see cref="TaskStatuses"/>).</summary>
    public required string Status { get; init; }

    public required int AttemptsUsed { get; init; }

    public required int MaxAttempts { get; init; }

    public required int NextAttempt { get; init; }

    public required bool SkipVerification { get; init; }

    public required string BaseCommit { get; init; }

    public required string? PreferredWorkerId { get; init; }

    /// <summary>The task's primary and backup vendor, and which of them works on it now.</summary>
    public required TaskAgents Agents { get; init; }

    /// <summary>Rate-limited runs in a row.</summary>
    public required int RateLimitStreak { get; init; }

    public bool HasEvents => _events.Count > 0;

    /// <summary>Refuses the change with FAILED_PRECONDITION unless the task is in one of <paramref name="allowed"/>.</summary>
    public void Require(string action, params string[] allowed)
    {
        if (!allowed.Contains(Status))
        {
            throw new RpcException(new Status(
                StatusCode.FailedPrecondition,
                $"Task {TaskId} is {Status}; it can be {action} only when {string.Join(" or ", allowed)}."));
        }
    }

    /// <summary>Moves the task to <paramref name="status"/> (written with a StatusChanged event at flush).</summary>
    public void SetStatus(string status, string reason, int attempt = 0)
    {
        var from = _newStatus ?? Status;
        _newStatus = status;
        _reason = reason;
        _events.Add((attempt, new TaskEvent
        {
            StatusChanged = new StatusChanged
            {
                From = TaskStatuses.FromStored(from),
                To = TaskStatuses.FromStored(status),
                Reason = reason,
            },
        }));
    }

    public void AddEvent(int attempt, TaskEvent taskEvent) => _events.Add((attempt, taskEvent));

    /// <summary>Runs a statement on the locked task inside the change's transaction.</summary>
    public async Task ExecuteAsync(string sql, Action<NpgsqlParameterCollection> parameters, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, Transaction.Connection, Transaction);
        command.Parameters.AddWithValue("task", TaskId);
        command.Parameters.AddWithValue("now", Now);
        parameters(command.Parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stores the pending status change and events; the caller commits.</summary>
    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_newStatus is not null)
        {
            await using var command = new NpgsqlCommand(
                """
                UPDATE tasks
                SET status = @status, status_reason = @reason, updated_at = @now,
                    finished_at = CASE WHEN @status IN ('done', 'failed', 'blocked') THEN @now END,
                    retired_at = CASE WHEN @status IN ('queued', 'delivering') THEN NULL ELSE retired_at END
                WHERE id = @id
                """,
                Transaction.Connection, Transaction);
            command.Parameters.AddWithValue("status", _newStatus);
            command.Parameters.AddWithValue("reason", _reason);
            command.Parameters.AddWithValue("now", Now);
            command.Parameters.AddWithValue("id", TaskId);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        // Last in the transaction: appending locks the event log head until commit.
        await EventLog.AppendAsync(Transaction, TaskId, Now, _events, cancellationToken);
        _events.Clear();
        _newStatus = null;
    }
}

/// <summary>A task's primary and backup vendor and model, and whether the backup has taken over.</summary>
internal sealed record TaskAgents(string Vendor, string Model, string BackupVendor, string BackupModel, bool OnBackup)
{
    public bool HasBackup => BackupVendor.Length > 0;

    /// <summary>The vendor attempts run on now.</summary>
    public string CurrentVendor => OnBackup ? BackupVendor : Vendor;

    /// <summary>The model attempts run with now.</summary>
    public string CurrentModel => OnBackup ? BackupModel : Model;

    /// <summary>True while a failover to the backup is still possible.</summary>
    public bool CanFailOver => HasBackup && !OnBackup;
}
