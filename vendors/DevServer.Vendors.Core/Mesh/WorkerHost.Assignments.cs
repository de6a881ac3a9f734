using DevServer.Contracts.Mesh.V1;
using Rpc;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>What the orchestrator sends, and the life of an assignment from its arrival to its stored result.</summary>
internal sealed partial class WorkerHost
{
    private async Task ReadLoopAsync(IAsyncStreamReader<ConnectResponse> responses, CancellationToken cancellationToken)
    {
        while (await responses.MoveNext(cancellationToken))
        {
            var response = responses.Current;
            switch (response.MessageCase)
            {
                case ConnectResponse.MessageOneofCase.Assignment:
                    OnAssignment(response.Assignment);
                    break;
                case ConnectResponse.MessageOneofCase.Cancel:
                    OnCancel(response.Cancel);
                    break;
                case ConnectResponse.MessageOneofCase.Acknowledgement:
                    OnAcknowledgement(response.Acknowledgement);
                    break;
                default:
                    // A repeated Welcome or a message of a newer contract: nothing to do.
                    break;
            }
        }
    }

    /// <summary>
    /// Starts the assignment unless it is already active (the orchestrator resends what a reconnecting worker did
    /// not report). Past the capacity it waits here for a free slot; the orchestrator does not send more than
    /// the capacity, so that happens only around reconnects.
    /// </summary>
    private void OnAssignment(Assignment assignment)
    {
        if (string.IsNullOrEmpty(assignment.AssignmentId))
        {
            WorkerLog.AssignmentWithoutId(logger);
            return;
        }

        if (_assignments.ContainsKey(assignment.AssignmentId))
        {
            WorkerLog.AssignmentRepeated(logger, assignment.AssignmentId);
            return;
        }

        var active = new ActiveAssignment(assignment, timeProvider, Wake, _handlersStop.Token);
        if (!_assignments.TryAdd(assignment.AssignmentId, active))
        {
            active.Dispose();
            return;
        }

        WorkerLog.AssignmentReceived(logger, assignment.AssignmentId, assignment.TaskId, assignment.Attempt, assignment.WorkCase.ToString());
        active.Completion = RunAssignmentAsync(active);
    }

    private async Task RunAssignmentAsync(ActiveAssignment active)
    {
        var assignment = active.Assignment;
        var cancellationToken = active.CancellationToken;
        WorkResult result;
        try
        {
            result = await RunHandlerAsync(active, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = WorkResults.Cancelled(assignment);
        }
        catch (Exception ex)
        {
            // Whatever the handler throws becomes a failed result: the orchestrator must hear how the work ended.
            WorkerLog.HandlerThrew(logger, ex, assignment.AssignmentId);
            result = WorkResults.Failed(assignment, ex.Message);
        }

        var stored = active.Complete(result);
        WorkerLog.AssignmentFinished(logger, assignment.AssignmentId, WorkResults.Describe(stored), stored.LastEventSequence);
    }

    private async Task<WorkResult> RunHandlerAsync(ActiveAssignment active, CancellationToken cancellationToken)
    {
        var assignment = active.Assignment;
        if (WorkResults.Refusal(assignment, _settings.Kind) is { } refusal)
        {
            return WorkResults.Failed(assignment, refusal);
        }

        // Queued for a slot before the first await, while still on the read loop: slots go in arrival order.
        await _slots.WaitAsync(cancellationToken);
        try
        {
            // Off the read loop: a handler that runs synchronously for a while must not stall the stream.
            await Task.Yield();
            // The handler gets its own copy: the kit keeps the original for the outbox and the log.
            var result = await handler.RunAsync(assignment.Clone(), active, cancellationToken)
                ?? throw new InvalidOperationException("The handler returned no result.");
            return WorkResults.Mismatch(assignment, result) is { } mismatch
                ? WorkResults.Failed(assignment, mismatch)
                : result;
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>
    /// Cancels a running assignment; one that has already finished is dropped, since the orchestrator also sends
    /// a cancel for an assignment it no longer knows (its lease ran out) in answer to its result.
    /// </summary>
    private void OnCancel(CancelAssignment cancel)
    {
        if (!_assignments.TryGetValue(cancel.AssignmentId, out var active))
        {
            return;
        }

        if (active.HasResult)
        {
            WorkerLog.AssignmentDropped(logger, cancel.AssignmentId, cancel.Reason);
            Forget(active);
        }
        else
        {
            WorkerLog.CancelRequested(logger, cancel.AssignmentId, cancel.Reason);
            active.Cancel();
        }
    }

    private void OnAcknowledgement(Acknowledgement acknowledgement)
    {
        if (_assignments.TryGetValue(acknowledgement.AssignmentId, out var active)
            && active.Acknowledge(acknowledgement.EventsThrough, acknowledgement.ResultStored))
        {
            Forget(active);
        }
    }

    private void Forget(ActiveAssignment active)
    {
        if (_assignments.TryRemove(new KeyValuePair<string, ActiveAssignment>(active.Id, active)))
        {
            active.Dispose();
        }
    }
}
