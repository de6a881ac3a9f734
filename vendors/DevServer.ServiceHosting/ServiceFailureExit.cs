using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DevServer.ServiceHosting;

/// <summary>
/// Runs the host and tells how it ended. A background service that throws stops the host
/// (<see cref="BackgroundServiceExceptionBehavior.StopHost"/>, the default), but <c>RunAsync</c> then returns as after
/// a normal stop, so the program would exit 0 and systemd's <c>Restart=on-failure</c> would leave the product down.
/// A host stopped by a failed service instead exits with <see cref="ExitCode"/>, after a log line naming the service.
/// Used by the orchestrator's <c>Program.cs</c> and by every worker (<c>WorkerStartup.Run</c>).
/// </summary>
public static partial class ServiceFailureExit
{
    /// <summary>EX_SOFTWARE (sysexits.h): an internal error; distinct from 1, the start-up failure systemd does not restart.</summary>
    public const int ExitCode = 70;

    /// <summary>Runs <paramref name="host"/> until it stops; 0 after a requested stop, <see cref="ExitCode"/> when a background service failed.</summary>
    public static async Task<int> RunAsync(IHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);

        // Resolved before the run: the host disposes its services when RunAsync returns. The host calls StopApplication
        // only after the failed service's task has faulted, so a failure is visible when the stop begins; one that
        // happens while stopping (after a SIGTERM) is the shutdown's own business and does not change the exit code.
        var services = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToArray();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ServiceFailureExit).FullName!);
        var failed = false;
        using var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
        {
            foreach (var service in services)
            {
                if (service.ExecuteTask is { IsFaulted: true } task)
                {
                    failed = true;
                    var exception = task.Exception.GetBaseException();
                    LogServiceFailed(logger, service.GetType().Name, exception.Message, exception);
                }
            }
        });

        await host.RunAsync(cancellationToken);
        return failed ? ExitCode : 0;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Stopping: {Service} failed: {Reason}")]
    private static partial void LogServiceFailed(ILogger logger, string service, string reason, Exception exception);
}
