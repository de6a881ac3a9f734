using Microsoft.Extensions.Logging;

namespace DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;

/// <summary>Writes a host's log into the test's output, so a failing test shows what the worker did and why.</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper? output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(output, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(ITestOutputHelper? output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => output is not null && logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (output is null)
            {
                return;
            }

            try
            {
                output.WriteLine($"[{logLevel} {category}] {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test has ended; a late line from a stopping host has nowhere to go.
            }
        }
    }
}
