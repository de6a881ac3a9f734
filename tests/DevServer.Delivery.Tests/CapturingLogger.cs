using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DevServer.Delivery.Tests;

/// <summary>Keeps every formatted log line (and exception text), so tests can search them for secrets.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public string AllText => string.Join('\n', Lines);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Lines.Enqueue(formatter(state, exception));
        if (exception is not null)
        {
            Lines.Enqueue(exception.ToString());
        }
    }
}
