using System.Threading.Channels;
using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Agents;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using ProtoLogLevel = DevServer.Contracts.Logs.V1.LogLevel;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>Which of the worker's own log entries go to the orchestrator's log (section <c>Worker:Logs</c>).</summary>
public sealed class LogForwardingOptions
{
    public const string Section = "Worker:Logs";

    /// <summary>Entries at this level and above are forwarded (<c>None</c> forwards nothing).</summary>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Warning;

    /// <summary>Entries waiting for the connection; past this they are dropped and counted, never waited for.</summary>
    public int BufferCapacity { get; set; } = 1000;

    internal string? Problem() =>
        MinimumLevel is < LogLevel.Trace or > LogLevel.None ? $"{Section}:MinimumLevel must be a log level."
        : BufferCapacity is < 1 or > 100_000 ? $"{Section}:BufferCapacity {BufferCapacity} must be between 1 and 100000."
        : null;
}

/// <summary>
/// The worker's entries on their way up the mesh stream: filled by <see cref="MeshLoggerProvider"/> from any thread,
/// emptied by the connection's writer into <see cref="WorkerLogs"/> messages. Bounded and never waiting: a full buffer
/// drops the entry and counts it, and the count goes up with the next message. Entries written while disconnected
/// wait here for the next connection.
/// </summary>
internal sealed class ForwardedLogs(int capacity)
{
    /// <summary>The contract's limits for one entry and one message.</summary>
    public const int MaxMessageBytes = 8 * 1024;
    public const int MaxExceptionBytes = 16 * 1024;
    public const int MaxEntriesPerMessage = 500;

    // A log message must never make a work event or result wait long behind it on the stream.
    public const int MaxBytesPerMessage = 256 * 1024;

    private readonly Channel<WorkerLogEntry> _entries = Channel.CreateBounded<WorkerLogEntry>(
        new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private int _dropped;

    public bool HasPending => _entries.Reader.Count > 0 || Volatile.Read(ref _dropped) > 0;

    public void Add(DateTimeOffset time, LogLevel level, string category, string message, Exception? exception)
    {
        var entry = new WorkerLogEntry
        {
            Time = Timestamp.FromDateTimeOffset(time),
            Level = level is >= LogLevel.Trace and <= LogLevel.Critical ? (ProtoLogLevel)((int)level + 1) : ProtoLogLevel.Critical,
            Category = category,
            Message = Utf8Text.Head(message, MaxMessageBytes),
            Exception = exception is null ? "" : Utf8Text.Head(exception.ToString(), MaxExceptionBytes),
        };

        // TryWrite on a bounded channel in Wait mode fails at once when full instead of waiting.
        if (!_entries.Writer.TryWrite(entry))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>The next message: the oldest entries within the limits, and the drops since the previous one; null when there is nothing.</summary>
    public WorkerLogs? Take()
    {
        var reader = _entries.Reader;
        var logs = new WorkerLogs();
        var bytes = 0;
        while (logs.Entries.Count < MaxEntriesPerMessage && reader.TryPeek(out var next))
        {
            var size = next.CalculateSize();
            if (logs.Entries.Count > 0 && bytes + size > MaxBytesPerMessage)
            {
                break;
            }

            reader.TryRead(out _);
            logs.Entries.Add(next);
            bytes += size;
        }

        logs.Dropped = Interlocked.Exchange(ref _dropped, 0);
        return logs.Entries.Count > 0 || logs.Dropped > 0 ? logs : null;
    }

    /// <summary>Entries taken for a message that never reached the orchestrator (the connection broke): reported as dropped.</summary>
    public void CountLost(int count) => Interlocked.Add(ref _dropped, count);
}

/// <summary>Puts the worker's own log entries into <see cref="ForwardedLogs"/>; the <c>Logging</c> filters apply first (<c>Logging:Mesh</c> for this provider alone).</summary>
[ProviderAlias("Mesh")]
internal sealed class MeshLoggerProvider(ForwardedLogs logs, LogLevel minimumLevel, TimeProvider clock) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new MeshLogger(this, categoryName);

    public void Dispose()
    {
    }

    private bool IsEnabled(LogLevel level) => level != LogLevel.None && level >= minimumLevel;

    private void Add(LogLevel level, string category, string message, Exception? exception) =>
        logs.Add(clock.GetUtcNow(), level, category, message, exception);

    private sealed class MeshLogger(MeshLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => provider.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (provider.IsEnabled(logLevel))
            {
                provider.Add(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
