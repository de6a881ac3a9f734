using DevServer.Orchestrator.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace DevServer.Orchestrator.Logs;

/// <summary>
/// The orchestrator's own log entries into <see cref="LogBuffer"/>, stamped "orchestrator &lt;instance&gt;". Leaves out
/// the log's own machinery (<c>DevServer.Orchestrator.Logs</c>) and Npgsql: a failing insert must not log itself into
/// the buffer it cannot empty. The <c>Logging</c> filters apply first (<c>Logging:Database</c> for this provider alone).
/// </summary>
[ProviderAlias("Database")]
internal sealed class DatabaseLoggerProvider(LogBuffer buffer, LogLevel minimumLevel, OrchestratorInstance instance, TimeProvider clock) : ILoggerProvider
{
    // Messages and exceptions are kept whole up to a size no reader of the dashboard needs more of.
    public const int MaxMessageChars = 32 * 1024;
    public const int MaxExceptionChars = 64 * 1024;

    private static readonly string[] ExcludedCategories = ["DevServer.Orchestrator.Logs", "Npgsql"];

    private readonly string _source = PendingLogEntry.OrchestratorSource(instance.Id);

    public ILogger CreateLogger(string categoryName) => IsExcluded(categoryName) ? NullLogger.Instance : new DatabaseLogger(this, categoryName);

    public void Dispose()
    {
    }

    internal static bool IsExcluded(string category) =>
        ExcludedCategories.Any(excluded => category.StartsWith(excluded, StringComparison.Ordinal)
            && (category.Length == excluded.Length || category[excluded.Length] == '.'));

    private bool IsEnabled(LogLevel level) => level != LogLevel.None && level >= minimumLevel;

    private void Add(LogLevel level, string category, string message, Exception? exception) =>
        buffer.TryAdd(new PendingLogEntry(
            clock.GetUtcNow(),
            PendingLogEntry.ToProto(level),
            _source,
            category,
            PendingLogEntry.Storable(message, MaxMessageChars),
            PendingLogEntry.Storable(exception?.ToString(), MaxExceptionChars)));

    private sealed class DatabaseLogger(DatabaseLoggerProvider provider, string category) : ILogger
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
