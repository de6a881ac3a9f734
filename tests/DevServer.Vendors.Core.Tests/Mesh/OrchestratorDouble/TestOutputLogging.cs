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
        private const int MaxLine = 2000;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => output is not null && logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (output is null)
            {
                return;
            }

            var line = $"[{logLevel} {category}] {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception)}";
            try
            {
                // Some tests log entries of many kilobytes on purpose; their beginning says enough.
                output.WriteLine(line.Length > MaxLine ? string.Concat(line.AsSpan(0, MaxLine), " …") : line);
            }
            catch (InvalidOperationException)
            {
                // The test has ended; a late line from a stopping host has nowhere to go.
            }
        }
    }
}
