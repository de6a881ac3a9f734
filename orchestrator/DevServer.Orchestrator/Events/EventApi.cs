using DevServer.Contracts.Events.V1;
using DevServer.Orchestrator.Tasks;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Events;

/// <summary>
/// Serves the event history and live events. Every watch subscribes to the hub first, then reads the table after
/// the caller's number, then drains live events skipping what it already sent: an event committed at any moment
/// during that hand-over is sent exactly once.
/// </summary>
internal sealed class EventApi(NpgsqlDataSource dataSource, EventHub hub, EventPump pump) : EventService.EventServiceBase
{
    private const int HistoryPage = 500;

    /// <summary>How long a live watch waits without events before it checks the table (and that its task still exists).</summary>
    private static readonly TimeSpan IdleRecheck = TimeSpan.FromSeconds(15);
    private static readonly object HeadersSentKey = new();
    private static readonly object CaughtUpSentKey = new();

    public override async Task WatchTaskEvents(WatchTaskEventsRequest request, IServerStreamWriter<WatchTaskEventsResponse> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (request.TaskId <= 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "task_id must be a positive task id."));
        }

        if (request.AfterSequence < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "after_sequence must not be negative."));
        }

        await pump.Started.WaitAsync(cancellationToken);
        var last = request.AfterSequence;
        var live = true;
        while (live)
        {
            using var subscription = hub.Subscribe(request.TaskId);
            await SendHeadersOnceAsync(context);
            last = await SendHistoryAsync(
                "SELECT payload FROM task_events WHERE task_id = @key AND sequence > @after ORDER BY sequence LIMIT @limit",
                request.TaskId, last, e => e.Sequence, e => responseStream.WriteAsync(new WatchTaskEventsResponse { Event = e }, cancellationToken), cancellationToken);

            var (status, lastSequence) = await ReadTaskAsync(request.TaskId, cancellationToken)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"Task {request.TaskId} does not exist."));
            if (request.UntilFinished && TaskStatuses.IsFinished(status) && last >= lastSequence)
            {
                return;
            }

            if (request.AnnounceCaughtUp && FirstTime(context, CaughtUpSentKey))
            {
                await responseStream.WriteAsync(new WatchTaskEventsResponse { CaughtUp = true }, cancellationToken);
            }

            (last, live) = await SendLiveAsync(subscription, last, e => e.Sequence, expectNext: true, async taskEvent =>
            {
                await responseStream.WriteAsync(new WatchTaskEventsResponse { Event = taskEvent }, cancellationToken);
                return !(request.UntilFinished && taskEvent.StatusChanged is { } change && TaskStatuses.IsFinished(change.To));
            }, cancellationToken);
        }
    }

    public override async Task WatchEvents(WatchEventsRequest request, IServerStreamWriter<WatchEventsResponse> responseStream, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (request.AfterPosition < -1)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "after_position must be -1 (only new events), 0 (everything) or a position."));
        }

        await pump.Started.WaitAsync(cancellationToken);
        var last = request.AfterPosition;
        if (last == -1)
        {
            await using var command = dataSource.CreateCommand("SELECT position FROM event_log_head");
            last = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        while (true)
        {
            using var subscription = hub.Subscribe(taskId: null);
            await SendHeadersOnceAsync(context);
            last = await SendHistoryAsync(
                "SELECT payload FROM task_events WHERE @key = 0 AND position > @after ORDER BY position LIMIT @limit",
                0, last, e => e.Position, e => responseStream.WriteAsync(new WatchEventsResponse { Event = e }, cancellationToken), cancellationToken);
            if (request.AnnounceCaughtUp && FirstTime(context, CaughtUpSentKey))
            {
                await responseStream.WriteAsync(new WatchEventsResponse { CaughtUp = true }, cancellationToken);
            }

            // Positions of deleted tasks leave holes, so a jump is not a gap here: the pump publishes in position
            // order and this subscription existed before the history read ended.
            (last, _) = await SendLiveAsync(subscription, last, e => e.Position, expectNext: false, async taskEvent =>
            {
                await responseStream.WriteAsync(new WatchEventsResponse { Event = taskEvent }, cancellationToken);
                return true;
            }, cancellationToken);
        }
    }

    public override async Task<ListTaskEventsResponse> ListTaskEvents(ListTaskEventsRequest request, ServerCallContext context)
    {
        var pageSize = request.PageSize switch
        {
            0 => 200,
            < 0 or > 1000 => throw new RpcException(new Status(StatusCode.InvalidArgument, "page_size must be between 1 and 1000.")),
            _ => request.PageSize,
        };
        if (await ReadTaskAsync(request.TaskId, context.CancellationToken) is null)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"Task {request.TaskId} does not exist."));
        }

        var response = new ListTaskEventsResponse();
        await using var command = dataSource.CreateCommand(
            "SELECT payload FROM task_events WHERE task_id = @task AND sequence > @after ORDER BY sequence LIMIT @limit");
        command.Parameters.AddWithValue("task", request.TaskId);
        command.Parameters.AddWithValue("after", request.AfterSequence);
        command.Parameters.AddWithValue("limit", pageSize + 1);
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        while (await reader.ReadAsync(context.CancellationToken))
        {
            if (response.Events.Count == pageSize)
            {
                response.More = true;
                break;
            }

            response.Events.Add(TaskEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0)));
        }

        return response;
    }

    private async Task<long> SendHistoryAsync(
        string sql, long key, long after, Func<TaskEvent, long> number, Func<TaskEvent, Task> send, CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = new List<TaskEvent>(HistoryPage);
            await using (var command = dataSource.CreateCommand(sql))
            {
                command.Parameters.AddWithValue("key", key);
                command.Parameters.AddWithValue("after", after);
                command.Parameters.AddWithValue("limit", HistoryPage);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    page.Add(TaskEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0)));
                }
            }

            // Send after the reader is closed: a slow watcher must not hold a pooled connection.
            foreach (var taskEvent in page)
            {
                await send(taskEvent);
                after = number(taskEvent);
            }

            if (page.Count < HistoryPage)
            {
                return after;
            }
        }
    }

    /// <summary>
    /// Sends live events after <paramref name="last"/> until <paramref name="send"/> says stop (returns false) or the
    /// feed ends (the watcher fell behind, or with <paramref name="expectNext"/> a number was skipped) or stays quiet for
    /// <see cref="IdleRecheck"/>: then the caller goes back to the table. Returns the last number sent and whether to
    /// keep watching.
    /// </summary>
    private static async Task<(long Last, bool KeepWatching)> SendLiveAsync(
        EventSubscription subscription, long last, Func<TaskEvent, long> number, bool expectNext,
        Func<TaskEvent, Task<bool>> send, CancellationToken cancellationToken)
    {
        while (true)
        {
            bool more;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                idle.CancelAfter(IdleRecheck);
                try
                {
                    more = await subscription.Reader.WaitToReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Quiet for a while: the caller looks at the table again (a deleted task then ends the watch).
                    return (last, true);
                }
            }

            if (!more)
            {
                return (last, true);
            }

            while (subscription.Reader.TryRead(out var taskEvent))
            {
                var current = number(taskEvent);
                if (current <= last)
                {
                    continue;
                }

                if (expectNext && current != last + 1)
                {
                    return (last, true);
                }

                last = current;
                if (!await send(taskEvent))
                {
                    return (last, false);
                }
            }
        }
    }

    /// <summary>
    /// Response headers go out as soon as the first subscription exists, before any event: a watcher that has them
    /// knows nothing committed from then on can be missed, even if no event comes for a long time.
    /// </summary>
    private static async Task SendHeadersOnceAsync(ServerCallContext context)
    {
        if (FirstTime(context, HeadersSentKey))
        {
            await context.WriteResponseHeadersAsync(new Metadata());
        }
    }

    /// <summary>True the first time a call asks for <paramref name="key"/>: a watch re-subscribes after a gap, and what it announces once must not repeat.</summary>
    private static bool FirstTime(ServerCallContext context, object key) => context.UserState.TryAdd(key, true);

    private async Task<(string Status, long LastEventSequence)?> ReadTaskAsync(long taskId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT status, last_event_sequence FROM tasks WHERE id = @id");
        command.Parameters.AddWithValue("id", taskId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetInt64(1)) : null;
    }
}
