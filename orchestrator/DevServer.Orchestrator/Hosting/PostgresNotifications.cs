using System.Collections.Concurrent;
using Npgsql;

namespace DevServer.Orchestrator.Hosting;

/// <summary>
/// The instance's one LISTEN connection. PostgreSQL NOTIFY is how orchestrator instances tell each other that
/// something was committed (new events, new or cancelled assignments); features subscribe a wake-up per channel.
/// After a reconnect every subscriber is woken once, because notifications sent while disconnected are lost.
/// </summary>
internal sealed partial class PostgresNotifications(NpgsqlDataSource dataSource, ILogger<PostgresNotifications> logger) : BackgroundService
{
    public const string EventsChannel = "devserver_events";
    public const string AssignmentsChannel = "devserver_assignments";
    public const string LogsChannel = "devserver_logs";

    /// <summary>Something a queue snapshot shows changed (settings, workers); task changes come as events instead.</summary>
    public const string QueueChannel = "devserver_queue";

    private static readonly string[] Channels = [EventsChannel, AssignmentsChannel, LogsChannel, QueueChannel];
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Action> _subscribers = new();

    /// <summary>Calls <paramref name="wake"/> (on the listener's thread; keep it short) for every notification on the channel.</summary>
    public void Subscribe(string channel, Action wake)
    {
        if (!Channels.Contains(channel))
        {
            throw new ArgumentOutOfRangeException(nameof(channel), channel, "Not a channel this listener listens on.");
        }

        _subscribers.AddOrUpdate(channel, wake, (_, existing) => existing + wake);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, notification) =>
                {
                    if (_subscribers.TryGetValue(notification.Channel, out var wake))
                    {
                        wake();
                    }
                };
                await using (var command = new NpgsqlCommand(string.Join(";", Channels.Select(c => $"LISTEN {c}")), connection))
                {
                    await command.ExecuteNonQueryAsync(stoppingToken);
                }

                foreach (var wake in _subscribers.Values)
                {
                    wake();
                }

                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or IOException)
            {
                LogListenFailed(logger, exception);
                try
                {
                    await Task.Delay(RetryDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The LISTEN connection failed; reconnecting")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
