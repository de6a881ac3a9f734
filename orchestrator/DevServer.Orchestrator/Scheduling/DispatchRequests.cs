using DevServer.Orchestrator.Hosting;
using Quartz;

namespace DevServer.Orchestrator.Scheduling;

/// <summary>
/// Runs the dispatcher when something may let queued work start. An immediate request (enqueue, a freed slot, a new
/// worker, resume) wakes this instance's dispatch loop at once — going through a Quartz trigger would add its
/// store round trips to every dispatch. Requests for later (a retry's not-before time) are Quartz triggers in the
/// clustered store, so they survive a restart and fire on whichever orchestrator is up; Quartz's backstop trigger
/// covers anything missed. Every path ends in the same <see cref="Dispatcher.DispatchAsync"/>, which serialises
/// itself across instances.
/// </summary>
internal sealed class DispatchRequests(Dispatcher dispatcher, ISchedulerFactory schedulerFactory, ILogger<DispatchRequests> logger)
    : WakeableLoop(logger, safetyInterval: null)
{
    /// <summary>Something changed that may let queued work start; requests made while one is pending fold into it.</summary>
    public void Request() => Wake();

    /// <summary>Runs the dispatcher at <paramref name="at"/> (a retry's not-before time), on any orchestrator.</summary>
    public async Task RequestAtAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        var trigger = TriggerBuilder.Create().ForJob(DispatchJob.Key).StartAt(at).Build();
        await scheduler.ScheduleJob(trigger, cancellationToken: cancellationToken);
    }

    // A failed round is retried by Quartz's backstop trigger within seconds, or by the next request.
    protected override Task RunRoundAsync(CancellationToken cancellationToken) => dispatcher.DispatchAsync(cancellationToken);
}
