using System.Threading.Channels;
using DevServer.Contracts.Events.V1;
using DevServer.Orchestrator.Events;
using DevServer.Orchestrator.Hosting;
using Npgsql;

namespace DevServer.Orchestrator.Queue;

/// <summary>
/// Tells this instance's queue watchers that the queue may have changed. Task changes arrive as events through the
/// <see cref="EventHub"/> (which every instance's pump fills from the shared log, so they need no NOTIFY of their own);
/// everything else that shows in a queue snapshot — settings, workers connecting, leaving or reporting a different
/// load — is announced with <c>NOTIFY devserver_queue</c> in the transaction that changes it
/// (<see cref="AnnounceAsync"/>), which reaches every instance, this one included.
/// </summary>
internal sealed partial class QueueChanges(EventHub hub, PostgresNotifications notifications, ILogger<QueueChanges> logger) : BackgroundService
{
    /// <summary>
    /// The statement that announces a change; run it inside the changing transaction, or append it to the changing
    /// command (the statements of one command run in one implicit transaction), so nobody hears of an uncommitted change.
    /// </summary>
    public const string AnnounceStatement = $"SELECT pg_notify('{PostgresNotifications.QueueChannel}', '')";

    private readonly Lock _gate = new();
    private QueueWatch[] _watches = [];

    /// <summary>How many watches are open (for tests: a cancelled WatchQueue must leave none behind).</summary>
    public int WatchCount => Volatile.Read(ref _watches).Length;

    /// <summary>Announces a queue change to every instance once <paramref name="transaction"/> commits.</summary>
    public static async Task AnnounceAsync(NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(AnnounceStatement, transaction.Connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A new watch; it is signalled on every change until disposed.</summary>
    public QueueWatch Watch()
    {
        var watch = new QueueWatch(this);
        lock (_gate)
        {
            _watches = [.. _watches, watch];
        }

        return watch;
    }

    /// <summary>Signals every watch; never blocks.</summary>
    public void Signal()
    {
        foreach (var watch in Volatile.Read(ref _watches))
        {
            watch.Signal();
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        notifications.Subscribe(PostgresNotifications.QueueChannel, Signal);
        return base.StartAsync(cancellationToken);
    }

    internal void Remove(QueueWatch watch)
    {
        lock (_gate)
        {
            _watches = Array.FindAll(_watches, w => !ReferenceEquals(w, watch));
        }
    }

    /// <summary>True for the events that change counts, today's figures or a worker's load or pause.</summary>
    internal static bool ChangesQueue(TaskEvent taskEvent) => taskEvent.KindCase is
        TaskEvent.KindOneofCase.Created or TaskEvent.KindOneofCase.StatusChanged or TaskEvent.KindOneofCase.AttemptStarted
        or TaskEvent.KindOneofCase.AgentFinished or TaskEvent.KindOneofCase.WorkerLost or TaskEvent.KindOneofCase.TaskUpdated
        or TaskEvent.KindOneofCase.VendorPaused or TaskEvent.KindOneofCase.FailedOver;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                using var subscription = hub.Subscribe(taskId: null);
                // Events published before this subscription (at start, or while a full buffer was cut off) are unseen.
                Signal();
                while (await subscription.Reader.WaitToReadAsync(stoppingToken))
                {
                    var changed = false;
                    while (subscription.Reader.TryRead(out var taskEvent))
                    {
                        changed |= ChangesQueue(taskEvent);
                    }

                    if (changed)
                    {
                        Signal();
                    }
                }

                LogFellBehind(logger);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The queue watchers' event feed fell behind; subscribing again")]
    private static partial void LogFellBehind(ILogger logger);
}

/// <summary>One WatchQueue stream's change flag: any number of changes between two looks count as one.</summary>
internal sealed class QueueWatch(QueueChanges owner) : IDisposable
{
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    internal void Signal() => _changed.Writer.TryWrite(true);

    /// <summary>Clears the flag: only changes after this call count for the next <see cref="WaitAsync"/>.</summary>
    public void Reset() => _changed.Reader.TryRead(out _);

    /// <summary>Waits for a change (true) or until <paramref name="timeout"/> passes without one (false).</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(timeout);
        try
        {
            return await _changed.Reader.WaitToReadAsync(idle.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose() => owner.Remove(this);
}
