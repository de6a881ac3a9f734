using Quartz;

namespace DevServer.Orchestrator.Scheduling;

/// <summary>Runs the dispatcher: the periodic backstop and retries at their not-before time.</summary>
[DisallowConcurrentExecution]
internal sealed class DispatchJob(Dispatcher dispatcher) : IJob
{
    public static readonly JobKey Key = new("dispatch", "pipeline");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await dispatcher.DispatchAsync(cancellationToken);
}

/// <summary>Ends an attempt that ran past its time limit (plus grace) without the sidecar reporting it.</summary>
internal sealed class AttemptTimeoutJob(Runs.AttemptEndings endings) : IJob
{
    public static readonly JobKey Key = new("attempt-timeout", "pipeline");
    public const string AssignmentKey = "assignment";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(context.MergedJobDataMap.GetString(AssignmentKey), out var assignmentId))
        {
            await endings.TimeOutAsync(assignmentId, cancellationToken);
        }
    }
}

/// <summary>Takes work back from workers whose lease ran out and times out overdue assignments.</summary>
[DisallowConcurrentExecution]
internal sealed class SweepJob(Runs.AttemptEndings endings) : IJob
{
    public static readonly JobKey Key = new("sweep", "pipeline");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await endings.SweepAsync(cancellationToken);
}
