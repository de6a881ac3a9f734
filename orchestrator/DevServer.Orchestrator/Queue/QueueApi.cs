using DevServer.Contracts.Queue.V1;
using DevServer.Orchestrator.Scheduling;
using DevServer.Orchestrator.Tasks;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Queue;

/// <summary>Pausing, the global concurrency limit, and the worker list. The settings live in the database so every orchestrator honours them.</summary>
internal sealed class QueueApi(NpgsqlDataSource dataSource, DispatchRequests dispatch, TimeProvider clock) : QueueService.QueueServiceBase
{
    public override async Task<GetQueueResponse> GetQueue(GetQueueRequest request, ServerCallContext context) =>
        new() { Queue = await ReadAsync(context.CancellationToken) };

    public override async Task<UpdateQueueResponse> UpdateQueue(UpdateQueueRequest request, ServerCallContext context)
    {
        if (request.HasMaxConcurrency && request.MaxConcurrency is < 1 or > 10)
        {
            throw TaskValidation.Invalid("max_concurrency must be between 1 and 10.");
        }

        if (!request.HasPaused && !request.HasMaxConcurrency)
        {
            throw TaskValidation.Invalid("set paused or max_concurrency.");
        }

        await using (var command = dataSource.CreateCommand(
            """
            UPDATE queue_settings SET paused = coalesce(@paused, paused), max_concurrency = coalesce(@max, max_concurrency), updated_at = @now
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<bool?>("paused", NpgsqlTypes.NpgsqlDbType.Boolean) { TypedValue = request.HasPaused ? request.Paused : null });
            command.Parameters.Add(new NpgsqlParameter<int?>("max", NpgsqlTypes.NpgsqlDbType.Integer) { TypedValue = request.HasMaxConcurrency ? request.MaxConcurrency : null });
            command.Parameters.AddWithValue("now", clock.GetUtcNow());
            await command.ExecuteNonQueryAsync(context.CancellationToken);
        }

        // Resuming or raising the limit may let queued work start now.
        dispatch.Request();
        return new UpdateQueueResponse { Queue = await ReadAsync(context.CancellationToken) };
    }

    public override async Task<ListWorkersResponse> ListWorkers(ListWorkersRequest request, ServerCallContext context)
    {
        var response = new ListWorkersResponse();
        await using var command = dataSource.CreateCommand(
            """
            SELECT w.id, w.name, w.kind, w.vendor, w.models, w.capacity,
                   (SELECT count(*)::int FROM assignments a WHERE a.worker_id = w.id AND a.state IN ('open', 'cancelling')),
                   w.instance_id IS NOT NULL AND w.lease_expires_at > @now, w.last_seen_at,
                   w.resumes_sessions, w.reports_cost, w.account,
                   (SELECT p.paused_until FROM vendor_pauses p WHERE p.vendor = w.vendor AND p.account = w.account AND p.paused_until > @now)
            FROM workers w
            ORDER BY 8 DESC, w.name, w.id
            """);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        while (await reader.ReadAsync(context.CancellationToken))
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
            }

            worker.Models.AddRange(reader.GetFieldValue<string[]>(4));
            response.Workers.Add(worker);
        }

        return response;
    }

    private async Task<QueueState> ReadAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT q.paused, q.max_concurrency,
                   (SELECT count(*)::int FROM tasks WHERE status = 'queued'),
                   (SELECT count(*)::int FROM tasks WHERE status IN ('running', 'verifying'))
            FROM queue_settings q
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new QueueState { Paused = reader.GetBoolean(0), MaxConcurrency = reader.GetInt32(1), Queued = reader.GetInt32(2), Active = reader.GetInt32(3) };
    }
}
