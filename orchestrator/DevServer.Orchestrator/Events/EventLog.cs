using DevServer.Contracts.Events.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using NpgsqlTypes;

namespace DevServer.Orchestrator.Events;

/// <summary>
/// Appends task events inside the caller's transaction, so a state change and the events describing it are stored
/// together or not at all.
/// </summary>
/// <remarks>
/// Call it last in the transaction: allocating positions locks the single <c>event_log_head</c> row until commit.
/// That lock is what makes positions follow commit order (a reader that saw position N can never later find a
/// smaller position appear), and holding it briefly is what keeps event writers from queueing behind each other.
/// </remarks>
internal static class EventLog
{
    /// <summary>
    /// Numbers the events (per-task sequence, global position), stamps them with <paramref name="now"/> — the time of
    /// the change they describe, the same one its rows carry — and stores them.
    /// </summary>
    public static async Task AppendAsync(
        NpgsqlTransaction transaction, long taskId, DateTimeOffset now, IReadOnlyList<(int Attempt, TaskEvent Event)> events,
        CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }

        var connection = transaction.Connection!;
        var count = events.Count;
        long lastSequence;
        await using (var command = new NpgsqlCommand(
            "UPDATE tasks SET last_event_sequence = last_event_sequence + @count WHERE id = @task RETURNING last_event_sequence",
            connection, transaction))
        {
            command.Parameters.AddWithValue("count", (long)count);
            command.Parameters.AddWithValue("task", taskId);
            lastSequence = (long)(await command.ExecuteScalarAsync(cancellationToken)
                ?? throw new InvalidOperationException($"Task {taskId} does not exist."));
        }

        long lastPosition;
        await using (var command = new NpgsqlCommand(
            "UPDATE event_log_head SET position = position + @count RETURNING position", connection, transaction))
        {
            command.Parameters.AddWithValue("count", (long)count);
            lastPosition = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        var time = Timestamp.FromDateTimeOffset(now);
        var positions = new long[count];
        var sequences = new long[count];
        var attempts = new int[count];
        var kinds = new string[count];
        var payloads = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var (attempt, taskEvent) = events[i];
            taskEvent.TaskId = taskId;
            taskEvent.Sequence = lastSequence - count + 1 + i;
            taskEvent.Position = lastPosition - count + 1 + i;
            taskEvent.Time = time;
            taskEvent.Attempt = attempt;
            positions[i] = taskEvent.Position;
            sequences[i] = taskEvent.Sequence;
            attempts[i] = attempt;
            kinds[i] = KindName(taskEvent.KindCase);
            payloads[i] = taskEvent.ToByteArray();
        }

        await using (var command = new NpgsqlCommand(
            """
            INSERT INTO task_events (position, task_id, sequence, attempt, kind, payload, created_at)
            SELECT p, @task, s, a, k, b, @now
            FROM unnest(@positions, @sequences, @attempts, @kinds, @payloads) AS e(p, s, a, k, b);
            SELECT pg_notify('devserver_events', '');
            """,
            connection, transaction))
        {
            command.Parameters.AddWithValue("task", taskId);
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("positions", positions);
            command.Parameters.AddWithValue("sequences", sequences);
            command.Parameters.AddWithValue("attempts", attempts);
            command.Parameters.AddWithValue("kinds", kinds);
            command.Parameters.Add(new NpgsqlParameter("payloads", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = payloads });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The event kind as stored in <c>task_events.kind</c>: the proto field's name (snake case), so a new kind needs no code here.</summary>
    public static string KindName(TaskEvent.KindOneofCase kind) =>
        kind != TaskEvent.KindOneofCase.None && TaskEvent.Descriptor.FindFieldByNumber((int)kind) is { } field
            ? field.Name
            : throw new ArgumentOutOfRangeException(nameof(kind), kind, "An event needs a kind.");
}
