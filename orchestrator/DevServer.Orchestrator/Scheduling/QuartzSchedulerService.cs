using Quartz;

namespace DevServer.Orchestrator.Scheduling;

/// <summary>
/// Runs the Quartz scheduler while the orchestrator runs. Like Quartz's own hosted service, it starts the scheduler
/// once the application has started and, on stop, lets running jobs finish. Unlike that one, it waits for the
/// shutdown only as long as the host's shutdown allows (<c>HostOptions.ShutdownTimeout</c>, 30 s unless set).
/// </summary>
/// <remarks>
/// Quartz's shutdown does not end while the database is unreachable. Its scheduler thread keeps retrying to hand back
/// the triggers it holds until the store answers. Quartz's hosted service waited for it without limit, and so did
/// the host: a SIGTERM during a database outage left the orchestrator running until the service manager killed it.
/// Giving up is safe. The process exits, and the clustered store hands the triggers this instance held to its peers, or
/// to its next start, as after a crash.
/// </remarks>
internal sealed partial class QuartzSchedulerService(ISchedulerFactory schedulers, ILogger<QuartzSchedulerService> logger) : IHostedLifecycleService
{
    private IScheduler? _scheduler;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After every hosted service and the endpoints started: jobs find the orchestrator complete.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.Start(cancellationToken);
        _scheduler = scheduler;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_scheduler is not { } scheduler)
        {
            return;
        }

        try
        {
            await scheduler.Shutdown(waitForJobsToComplete: true, cancellationToken).AsTask().WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogShutdownAbandoned(logger);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Warning, "Quartz did not shut down within the host's shutdown timeout (is the database reachable?); stopping without it")]
    private static partial void LogShutdownAbandoned(ILogger logger);
}
