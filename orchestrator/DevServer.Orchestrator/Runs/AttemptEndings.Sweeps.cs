using DevServer.Contracts.Events.V1;
using DevServer.Orchestrator.Tasks;

namespace DevServer.Orchestrator.Runs;

/// <summary>The endings the orchestrator decides on its own: attempts past their time limit, and lost workers.</summary>
internal sealed partial class AttemptEndings
{
    /// <summary>The orchestrator's own time limit for an assignment (the sidecar's should have fired first).</summary>
    public async Task TimeOutAsync(Guid assignmentId, CancellationToken cancellationToken)
    {
        if (await FindTaskAsync(assignmentId, workerId: null, cancellationToken) is not { } taskId)
        {
            return;
        }

        await transitions.ChangeAsync(taskId, async change =>
        {
            if (await LockAssignmentAsync(change, assignmentId, cancellationToken) is not { State: "open" } assignment)
            {
                return false;
            }

            await SetAssignmentStateAsync(change, assignmentId, "timed_out", cancellationToken);
            await NotifyAssignmentsAsync(change, cancellationToken);
            var what = assignment.Kind == "agent" ? "the attempt" : "verification";
            await FailAttemptAsync(change, assignment, RunOutcomes.TimedOut, $"{what} ran past its time limit and was stopped", cancellationToken);
            return true;
        }, cancellationToken);
        dispatch.Request();
    }

    /// <summary>Takes work back from workers whose lease ran out and times out assignments past their deadline.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var stale = new List<(Guid Assignment, long Task, string Worker, bool Overdue)>();
        await using (var command = dataSource.CreateCommand(
            """
            SELECT a.id, a.task_id, a.worker_id, a.deadline <= @now
            FROM assignments a JOIN workers w ON w.id = a.worker_id
            WHERE a.state IN ('open', 'cancelling') AND (w.lease_expires_at <= @now OR a.deadline <= @now)
            """))
        {
            command.Parameters.AddWithValue("now", now);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stale.Add((reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), reader.GetBoolean(3)));
            }
        }

        foreach (var (assignmentId, taskId, workerId, overdue) in stale)
        {
            if (overdue)
            {
                await TimeOutAsync(assignmentId, cancellationToken);
            }
            else
            {
                await LoseAsync(assignmentId, taskId, workerId, cancellationToken);
            }
        }

        await using (var command = dataSource.CreateCommand(
            "UPDATE workers SET instance_id = NULL WHERE instance_id IS NOT NULL AND lease_expires_at <= @now"))
        {
            command.Parameters.AddWithValue("now", now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        if (stale.Count > 0)
        {
            dispatch.Request();
        }
    }

    private async Task LoseAsync(Guid assignmentId, long taskId, string workerId, CancellationToken cancellationToken)
    {
        await transitions.ChangeAsync(taskId, async change =>
        {
            if (await LockAssignmentAsync(change, assignmentId, cancellationToken) is not { } assignment
                || assignment.State is not ("open" or "cancelling"))
            {
                return false;
            }

            LogWorkerLost(logger, workerId, assignmentId, taskId);
            await SetAssignmentStateAsync(change, assignmentId, assignment.State == "open" ? "lost" : "cancelled", cancellationToken);
            if (assignment.State == "cancelling")
            {
                return true;
            }

            var workerName = await ReadWorkerNameAsync(change, workerId, cancellationToken);
            change.AddEvent(assignment.Attempt, new TaskEvent { WorkerLost = new WorkerLost { WorkerId = workerId, WorkerName = workerName } });
            if (assignment.Kind == "agent")
            {
                // The attempt is not the agent's fault: it does not count, and the task goes to whoever is free.
                await change.ExecuteAsync(
                    """
                    UPDATE runs SET outcome = 'lost', error = 'the worker disappeared', finished_at = @now WHERE id = @run;
                    UPDATE tasks SET attempts_used = greatest(attempts_used - 1, 0), preferred_worker_id = NULL, not_before = NULL
                    WHERE id = @task;
                    """,
                    p => p.AddWithValue("run", assignment.RunId), cancellationToken);
                change.SetStatus(TaskStatuses.Queued, $"worker {workerName} was lost; the task goes back to the queue", assignment.Attempt);
            }

            // A lost verification leaves the task verifying; the dispatcher places it on another verifier.
            return true;
        }, cancellationToken);
    }
}
