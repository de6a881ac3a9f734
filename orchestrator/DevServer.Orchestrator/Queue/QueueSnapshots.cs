using DevServer.Contracts.Queue.V1;
using DevServer.Orchestrator.Tasks;
using Npgsql;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Queue;

/// <summary>
/// The one reader of what QueueService shows: the queue's state (settings, counts, today's figures) for GetQueue,
/// UpdateQueue and WatchQueue alike, and the worker list for ListWorkers and WatchQueue.
/// </summary>
internal sealed class QueueSnapshots(NpgsqlDataSource dataSource, TimeProvider clock)
{
    // Counts are listed in the order a task lives through them; the enum's numbers put delivering (added later) last.
    private static readonly TaskStatus[] Lifecycle =
    [
        TaskStatus.Pending, TaskStatus.Queued, TaskStatus.Running, TaskStatus.Verifying, TaskStatus.Delivering,
        TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked, TaskStatus.Cancelled,
    ];

    /// <summary>The queue as it is now; "today" starts at local midnight in <paramref name="zone"/>.</summary>
    public async Task<QueueState> ReadStateAsync(TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var start = TodayStart.Of(clock.GetUtcNow(), zone);
        await using var batch = dataSource.CreateBatch();
        var settings = new NpgsqlBatchCommand(
            """
            SELECT q.paused, q.max_concurrency,
                   (SELECT count(*)::int FROM tasks WHERE status = 'done' AND finished_at >= @start),
                   (SELECT count(*)::int FROM tasks WHERE status IN ('failed', 'blocked') AND finished_at >= @start)
            FROM queue_settings q
            """);
        settings.Parameters.AddWithValue("start", start);
        batch.BatchCommands.Add(settings);
        // Only finished tasks can be retired (queuing one clears retired_at), so queued and active need no exception.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT status, count(*)::int FROM tasks WHERE retired_at IS NULL GROUP BY status"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var state = new QueueState
        {
            Paused = reader.GetBoolean(0),
            MaxConcurrency = reader.GetInt32(1),
            CompletedToday = reader.GetInt32(2),
            FailedToday = reader.GetInt32(3),
        };
        await reader.NextResultAsync(cancellationToken);
        var counts = new List<StatusCount>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new StatusCount { Status = TaskStatuses.FromStored(reader.GetString(0)), Count = reader.GetInt32(1) });
        }

        state.Counts.AddRange(counts.OrderBy(c => Array.IndexOf(Lifecycle, c.Status)));
        state.Queued = counts.Where(c => c.Status == TaskStatus.Queued).Sum(c => c.Count);
        state.Active = counts.Where(c => c.Status is TaskStatus.Running or TaskStatus.Verifying).Sum(c => c.Count);
        return state;
    }

    /// <summary>The workers known to the mesh, connected ones first.</summary>
    public async Task<List<Worker>> ReadWorkersAsync(CancellationToken cancellationToken) =>
        (await ReadWorkerListAsync(cancellationToken)).Workers;

    /// <summary>One WatchQueue message: the state and the workers, and when the clock alone makes it stale.</summary>
    public async Task<QueueSnapshot> ReadSnapshotAsync(TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var message = new WatchQueueResponse { Queue = await ReadStateAsync(zone, cancellationToken) };
        var (workers, workersChangeAt) = await ReadWorkerListAsync(cancellationToken);
        message.Workers.AddRange(workers);
        // Today's figures start again at the next local midnight: 30 hours past this one is always on the next day
        // (local days last 23 to 25 hours).
        var nextMidnight = TodayStart.Of(TodayStart.Of(clock.GetUtcNow(), zone).AddHours(30), zone);
        return new QueueSnapshot(message, workersChangeAt is { } at && at < nextMidnight ? at : nextMidnight);
    }

    /// <summary>
    /// The workers, and the earliest moment one of them changes with nobody writing anything: a connected worker's
    /// lease runs out (it is no longer shown connected) or a vendor pause ends. Null when neither is ahead.
    /// </summary>
    private async Task<(List<Worker> Workers, DateTimeOffset? ChangeAt)> ReadWorkerListAsync(CancellationToken cancellationToken)
    {
        var workers = new List<Worker>();
        DateTimeOffset? changeAt = null;
        await using var command = dataSource.CreateCommand(
            """
            SELECT w.id, w.name, w.kind, w.vendor, w.models, w.capacity,
                   (SELECT count(*)::int FROM assignments a WHERE a.worker_id = w.id AND a.state IN ('open', 'cancelling')),
                   w.instance_id IS NOT NULL AND w.lease_expires_at > @now, w.last_seen_at,
                   w.resumes_sessions, w.reports_cost, w.account,
                   (SELECT p.paused_until FROM vendor_pauses p WHERE p.vendor = w.vendor AND p.account = w.account AND p.paused_until > @now),
                   CASE WHEN w.instance_id IS NOT NULL AND w.lease_expires_at > @now THEN w.lease_expires_at END
            FROM workers w
            ORDER BY 8 DESC, w.name, w.id
            """);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var worker = new Worker
            {
                Id = reader.GetString(0),
                Name = reader.GetString(1),
                Kind = reader.GetString(2),
                Vendor = reader.GetString(3),
                Capacity = reader.GetInt32(5),
                Active = reader.GetInt32(6),
                Connected = reader.GetBoolean(7),
                LastSeenAt = TaskMappings.ToTimestamp(reader, 8),
                ResumesSessions = reader.GetBoolean(9),
                ReportsCost = reader.GetBoolean(10),
                Account = reader.GetString(11),
            };
            if (!reader.IsDBNull(12))
            {
                worker.PausedUntil = TaskMappings.ToTimestamp(reader, 12);
                changeAt = Earliest(changeAt, reader.GetFieldValue<DateTimeOffset>(12));
            }

            if (!reader.IsDBNull(13))
            {
                changeAt = Earliest(changeAt, reader.GetFieldValue<DateTimeOffset>(13));
            }

            worker.Models.AddRange(reader.GetFieldValue<string[]>(4));
            workers.Add(worker);
        }

        return (workers, changeAt);
    }

    private static DateTimeOffset Earliest(DateTimeOffset? current, DateTimeOffset candidate) =>
        current is { } known && known <= candidate ? known : candidate;
}

/// <summary>A WatchQueue message and the moment it goes stale by the clock alone (a lease or pause ends, a new day starts).</summary>
internal sealed record QueueSnapshot(WatchQueueResponse Message, DateTimeOffset StaleAt);
