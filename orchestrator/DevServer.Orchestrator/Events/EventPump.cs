using DevServer.Contracts.Events.V1;
using DevServer.Orchestrator.Hosting;
using Npgsql;

namespace DevServer.Orchestrator.Events;

/// <summary>
/// The one reader of new events per orchestrator instance: it reads <c>position &gt; last published</c> in order and
/// hands each event to the <see cref="EventHub"/>. It wakes on a local commit (<see cref="WakeableLoop.Wake"/>), on
/// <c>NOTIFY devserver_events</c> from any instance (<see cref="PostgresNotifications"/>), and once a second as a safety net, so the same path serves a
/// single orchestrator and several on one database.
/// </summary>
internal sealed class EventPump(
    NpgsqlDataSource dataSource, EventHub hub, PostgresNotifications notifications, ILogger<EventPump> logger)
    : WakeableLoop(logger, SafetyInterval)
{
    private static readonly TimeSpan SafetyInterval = TimeSpan.FromSeconds(1);
    private const int PageSize = 1000;

    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastPublished;

    /// <summary>The position of the last event handed to watchers.</summary>
    public long LastPublishedPosition => Interlocked.Read(ref _lastPublished);

    /// <summary>Completes once the pump knows where the log ends and is listening.</summary>
    public Task Started => _started.Task;

    protected override async Task StartingAsync(CancellationToken cancellationToken)
    {
        await using (var command = dataSource.CreateCommand("SELECT position FROM event_log_head"))
        {
            Interlocked.Exchange(ref _lastPublished, (long)(await command.ExecuteScalarAsync(cancellationToken))!);
        }

        notifications.Subscribe(PostgresNotifications.EventsChannel, Wake);
        _started.TrySetResult();
    }

    protected override async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = 0;
            await using var command = dataSource.CreateCommand(
                "SELECT payload FROM task_events WHERE position > @after ORDER BY position LIMIT @limit");
            command.Parameters.AddWithValue("after", LastPublishedPosition);
            command.Parameters.AddWithValue("limit", PageSize);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var taskEvent = TaskEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0));
                hub.Publish(taskEvent);
                Interlocked.Exchange(ref _lastPublished, taskEvent.Position);
                read++;
            }

            if (read < PageSize)
            {
                return;
            }
        }
    }
}
