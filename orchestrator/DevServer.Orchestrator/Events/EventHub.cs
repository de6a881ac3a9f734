using System.Threading.Channels;
using DevServer.Contracts.Events.V1;

namespace DevServer.Orchestrator.Events;

/// <summary>
/// Fans committed events out to this instance's watchers. Each watcher has a bounded buffer; one that falls
/// behind is cut off (its reader completes with <see cref="EventSubscription.Overflowed"/> set) and goes back to
/// reading the table, so a slow watcher never slows the others or holds memory.
/// </summary>
internal sealed class EventHub
{
    private const int BufferPerWatcher = 4096;

    private readonly Lock _gate = new();
    private EventSubscription[] _subscriptions = [];

    /// <summary>Watches one task (<paramref name="taskId"/> set) or every task.</summary>
    public EventSubscription Subscribe(long? taskId)
    {
        var subscription = new EventSubscription(this, taskId, Channel.CreateBounded<TaskEvent>(
            new BoundedChannelOptions(BufferPerWatcher) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait }));
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    /// <summary>Called by the single event pump, in position order.</summary>
    public void Publish(TaskEvent taskEvent)
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (subscription.TaskId is { } taskId && taskId != taskEvent.TaskId)
            {
                continue;
            }

            subscription.Offer(taskEvent);
        }
    }

    internal void Remove(EventSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = Array.FindAll(_subscriptions, s => !ReferenceEquals(s, subscription));
        }
    }
}

/// <summary>One watcher's live feed.</summary>
internal sealed class EventSubscription(EventHub hub, long? taskId, Channel<TaskEvent> channel) : IDisposable
{
    public long? TaskId { get; } = taskId;

    public ChannelReader<TaskEvent> Reader => channel.Reader;

    /// <summary>True once the watcher fell behind and live events were dropped; it must re-read the table.</summary>
    public bool Overflowed { get; private set; }

    internal void Offer(TaskEvent taskEvent)
    {
        if (!channel.Writer.TryWrite(taskEvent) && !Overflowed)
        {
            Overflowed = true;
            channel.Writer.TryComplete();
        }
    }

    public void Dispose()
    {
        hub.Remove(this);
        channel.Writer.TryComplete();
    }
}
