using System.Threading.Channels;
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
internal sealed partial class DispatchRequests(Dispatcher dispatcher, ISchedulerFactory schedulerFactory, ILogger<DispatchRequests> logger)
    : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Something changed that may let queued work start; requests made while one is pending fold into it.</summary>
    public void Request() => _wake.Writer.TryWrite(true);

    /// <summary>Runs the dispatcher at <paramref name="at"/> (a retry's not-before time), on any orchestrator.</summary>
    public async Task RequestAtAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        var trigger = TriggerBuilder.Create().ForJob(DispatchJob.Key).StartAt(at).Build();
        await scheduler.ScheduleJob(trigger, cancellationToken: cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _wake.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await dispatcher.DispatchAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException or SchedulerException)
                {
                    // The backstop trigger runs the dispatcher again within seconds.
                    LogDispatchFailed(logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dispatching failed; the backstop will run it again")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);
}
