using DevServer.Contracts.Events.V1;
using DevServer.Failures;
using DevServer.Orchestrator.Tasks;
using Npgsql;

namespace DevServer.Orchestrator.Runs;

/// <summary>
/// Failure classification of agent and verifier output: the class, hint and evidence are stored on the run (the next
/// attempt gets them as its remediation) and announced as an event; a hard class, or the same class twice in a row on
/// the same vendor and model, stops the retries — the agent cannot fix it, or is stuck.
/// </summary>
internal sealed partial class AttemptEndings
{
    /// <summary>Classifies <paramref name="output"/>; returns true when the failure ended the task's retries (blocked or failed over).</summary>
    private static async Task<bool> ClassifyAndEscalateAsync(
        TaskChange change, AssignmentRow assignment, string source, string output, string reason, CancellationToken cancellationToken)
    {
        var classification = FailureClassifier.Classify(output);
        if (!classification.IsFailure)
        {
            return false;
        }

        var previous = await PreviousFailureClassAsync(change, assignment, cancellationToken);
        var repeat = previous == classification.Key ? 2 : 1;
        await change.ExecuteAsync(
            "UPDATE runs SET failure_class = @key, failure_hint = @hint, failure_evidence = @evidence WHERE id = @run",
            p =>
            {
                p.AddWithValue("key", classification.Key);
                p.AddWithValue("hint", classification.Hint);
                p.AddWithValue("evidence", classification.Evidence.ToArray());
                p.AddWithValue("run", assignment.RunId);
            },
            cancellationToken);
        var classified = new FailureClassified
        {
            Key = classification.Key,
            Hard = classification.Severity == FailureSeverity.Hard,
            Hint = classification.Hint,
            Source = source,
            Repeat = repeat,
        };
        classified.Evidence.AddRange(classification.Evidence);
        change.AddEvent(assignment.Attempt, new TaskEvent { FailureClassified = classified });

        if (classified.Hard)
        {
            await FailOverOrEndAsync(
                change, assignment, TaskStatuses.Blocked, Truncate($"{classification.Key} cannot be fixed by retrying: {classification.Hint}\n{reason}"),
                cancellationToken);
            return true;
        }

        if (repeat > 1)
        {
            await FailOverOrEndAsync(
                change, assignment, TaskStatuses.Blocked,
                Truncate($"the same failure ({classification.Key}) twice in a row: the agent is stuck. {classification.Hint}\n{reason}"),
                cancellationToken);
            return true;
        }

        return false;
    }

    /// <summary>The class of the previous attempt that counted, when it ran on the same vendor and model (a failover starts afresh).</summary>
    private static async Task<string?> PreviousFailureClassAsync(TaskChange change, AssignmentRow assignment, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT p.failure_class FROM runs p JOIN runs cur ON cur.id = @run
            WHERE p.task_id = cur.task_id AND p.attempt < cur.attempt AND NOT p.attempt_given_back
              AND p.vendor = cur.vendor AND p.model = cur.model AND p.outcome IN ('failed', 'timed_out')
            ORDER BY p.attempt DESC LIMIT 1
            """,
            change.Transaction.Connection, change.Transaction);
        command.Parameters.AddWithValue("run", assignment.RunId);
        return await command.ExecuteScalarAsync(cancellationToken) as string is { Length: > 0 } key ? key : null;
    }
}
