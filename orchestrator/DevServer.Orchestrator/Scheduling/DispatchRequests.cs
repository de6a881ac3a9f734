using Quartz;

namespace DevServer.Orchestrator.Scheduling;

/// <summary>
/// Asks Quartz to run <see cref="DispatchJob"/> now or at a time. Requests made while one is already pending are
/// folded into it: the job starts by clearing the flag, so a request during a run causes exactly one more run.
/// </summary>
internal sealed partial class DispatchRequests(ISchedulerFactory schedulerFactory, ILogger<DispatchRequests> logger)
{
    private int _pending;

    /// <summary>Something changed that may let queued work start (enqueue, freed slot, new worker, resume).</summary>
    public void Request()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0)
        {
            _ = TriggerAsync();
        }
    }

    /// <summary>Runs the dispatcher at <paramref name="at"/> (a retry's not-before time).</summary>
    public async Task RequestAtAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        var trigger = TriggerBuilder.Create().ForJob(DispatchJob.Key).StartAt(at).Build();
        await scheduler.ScheduleJob(trigger, cancellationToken: cancellationToken);
    }

    internal void Started() => Interlocked.Exchange(ref _pending, 0);

    private async Task TriggerAsync()
    {
        try
        {
            var scheduler = await schedulerFactory.GetScheduler();
            await scheduler.TriggerJob(DispatchJob.Key);
        }
        catch (SchedulerException exception)
        {
            // The backstop trigger runs the job soon anyway; it also clears the pending flag.
            LogTriggerFailed(logger, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not trigger a dispatch; the backstop will run it")]
    private static partial void LogTriggerFailed(ILogger logger, Exception exception);
}
