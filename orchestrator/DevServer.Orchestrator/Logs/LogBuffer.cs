using System.Threading.Channels;

namespace DevServer.Orchestrator.Logs;

/// <summary>
/// Entries between the loggers (and worker connections) that make them and the one <see cref="LogWriter"/> that stores
/// them. Bounded, and never waits: when full, an entry is dropped and counted, and the writer stores one entry saying
/// how many were lost, so a flood, or a database outage longer than the buffer lasts, costs entries, never a stalled
/// logging call.
/// </summary>
internal sealed class LogBuffer(int capacity)
{
    private readonly Channel<PendingLogEntry> _entries = Channel.CreateBounded<PendingLogEntry>(
        new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private long _dropped;

    public ChannelReader<PendingLogEntry> Reader => _entries.Reader;

    /// <summary>Entries dropped since the writer last asked.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Adds the entry, or counts it as dropped when the buffer is full; returns whether it was added.</summary>
    public bool TryAdd(PendingLogEntry entry)
    {
        // On a bounded channel in Wait mode TryWrite fails at once when full, instead of waiting.
        if (_entries.Writer.TryWrite(entry))
        {
            return true;
        }

        CountDropped(1);
        return false;
    }

    /// <summary>Counts entries lost elsewhere (a batch the database would not take).</summary>
    public void CountDropped(long count) => Interlocked.Add(ref _dropped, count);

    /// <summary>The drops since the previous call, and starts counting again.</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);
}
