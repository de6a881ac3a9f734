using DevServer.Contracts.Mesh.V1;
using ProtoLogLevel = DevServer.Contracts.Logs.V1.LogLevel;

namespace DevServer.Orchestrator.Logs;

/// <summary>
/// A worker's <see cref="WorkerLogs"/> into <see cref="LogBuffer"/>. The source is always "worker &lt;id of the connection&gt;":
/// an entry carries no worker of its own, so a worker can never write in another's name. The worker's limits are
/// applied again here, since nothing a worker sends is trusted.
/// </summary>
internal sealed class WorkerLogIntake(LogBuffer buffer, TimeProvider clock)
{
    public const int MaxEntries = 500;
    public const int MaxCategoryChars = 256;
    public const int MaxMessageChars = 8 * 1024;
    public const int MaxExceptionChars = 16 * 1024;

    // Timestamps a worker may send: anything else (unset, malformed, absurd) is replaced by the arrival time.
    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromDays(1);

    public void Accept(string workerId, WorkerLogs logs)
    {
        var source = PendingLogEntry.WorkerSource(workerId);
        var now = clock.GetUtcNow();
        foreach (var entry in logs.Entries.Take(MaxEntries))
        {
            buffer.TryAdd(new PendingLogEntry(
                TimeOf(entry, now),
                entry.Level is > ProtoLogLevel.Unspecified and <= ProtoLogLevel.Critical ? entry.Level : ProtoLogLevel.Information,
                source,
                PendingLogEntry.Storable(entry.Category, MaxCategoryChars),
                PendingLogEntry.Storable(entry.Message, MaxMessageChars),
                PendingLogEntry.Storable(entry.Exception, MaxExceptionChars)));
        }

        var dropped = (long)Math.Max(0, logs.Dropped) + Math.Max(0, logs.Entries.Count - MaxEntries);
        if (dropped > 0)
        {
            buffer.TryAdd(new PendingLogEntry(
                now, ProtoLogLevel.Warning, source, typeof(WorkerLogIntake).FullName!,
                $"{dropped} log entries of this worker were dropped: its log buffer was full or it sent too many at once", ""));
        }
    }

    private static DateTimeOffset TimeOf(WorkerLogEntry entry, DateTimeOffset now) =>
        entry.Time is { Nanos: >= 0 and < 1_000_000_000 } time
        && time.Seconds >= Earliest.ToUnixTimeSeconds() && time.Seconds <= (now + MaxClockSkew).ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds(time.Seconds).AddTicks(time.Nanos / 100)
            : now;
}
