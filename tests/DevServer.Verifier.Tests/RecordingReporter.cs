using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Mesh;

namespace DevServer.Verifier.Tests;

/// <summary>Keeps every reported event in order; lets a test wait until the events so far satisfy a condition.</summary>
internal sealed class RecordingReporter : IWorkReporter
{
    private readonly List<WorkEvent> _events = [];
    private readonly List<(Func<IReadOnlyList<WorkEvent>, bool> Condition, TaskCompletionSource Met)> _waiters = [];

    public IReadOnlyList<WorkEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public void Report(WorkEvent workEvent)
    {
        lock (_events)
        {
            _events.Add(workEvent);
            foreach (var (condition, met) in _waiters.Where(waiter => waiter.Condition(_events)))
            {
                met.TrySetResult();
            }
        }
    }

    public Task WaitForAsync(Func<IReadOnlyList<WorkEvent>, bool> condition, CancellationToken cancellationToken)
    {
        var met = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_events)
        {
            if (condition(_events))
            {
                return Task.CompletedTask;
            }

            _waiters.Add((condition, met));
        }

        return met.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }
}
