using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DevServer.ServiceHosting.Tests;

/// <summary>
/// A service process's exit code when its host stops (the orchestrator's Program.cs, every worker's WorkerStartup.Run):
/// a background service that failed must not look like a normal stop (exit 0), or systemd's Restart=on-failure leaves
/// the product down. A real host with a real BackgroundService.
/// </summary>
public sealed class ServiceFailureExitTests
{
    private const int TimeoutMs = 30_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_BackgroundServiceThrows_ExitsNonZeroAndLogsTheService()
    {
        var ct = TestContext.Current.CancellationToken;
        var logs = new RecordingLoggerProvider();
        using var host = BuildHost(logs, services => services.AddHostedService<ThrowingService>());

        var exitCode = await ServiceFailureExit.RunAsync(host, ct);

        Assert.Equal(ServiceFailureExit.ExitCode, exitCode);
        Assert.Contains(logs.Messages, m => m == $"Stopping: {nameof(ThrowingService)} failed: {ThrowingService.Reason}");
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_StoppedOnRequest_ExitsZero()
    {
        var ct = TestContext.Current.CancellationToken;
        var logs = new RecordingLoggerProvider();
        using var host = BuildHost(logs, services => services.AddHostedService<StoppingService>());

        var exitCode = await ServiceFailureExit.RunAsync(host, ct);

        Assert.Equal(0, exitCode);
        Assert.DoesNotContain(logs.Messages, m => m.StartsWith("Stopping:", StringComparison.Ordinal));
    }

    private static IHost BuildHost(RecordingLoggerProvider logs, Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        configure(builder.Services);
        return builder.Build();
    }

    /// <summary>Fails after start-up, as a loop meeting an exception its catch does not expect.</summary>
    private sealed class ThrowingService : BackgroundService
    {
        public const string Reason = "an exception no catch expected";

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), stoppingToken);
            throw new InvalidOperationException(Reason);
        }
    }

    /// <summary>Asks the host to stop, as SIGTERM does.</summary>
    private sealed class StoppingService(IHostApplicationLifetime lifetime) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), stoppingToken);
            lifetime.StopApplication();
        }
    }

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        private readonly List<string> _messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Recorder(this);

        public void Dispose()
        {
        }

        private sealed class Recorder(RecordingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._messages)
                {
                    owner._messages.Add(formatter(state, exception));
                }
            }
        }
    }
}
