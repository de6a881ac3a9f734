using DevServer.Contracts.Tasks.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace DevServer.Orchestrator.Tasks;

/// <summary>Reads <c>tasks</c> and <c>runs</c> rows into their wire messages (one place for the column lists).</summary>
internal static class TaskMappings
{
    /// <summary>The task columns <see cref="ReadTask"/> expects, in order; the query must join repositories as r.</summary>
    public const string TaskColumns =
        """
        t.id, t.repository_id, r.name, t.title, t.description, t.acceptance, t.priority, t.vendor, t.model,
        t.base_branch, t.base_commit, t.status, t.status_reason, t.max_attempts, t.attempts_used, t.attempt_timeout,
        t.skip_verification, t.labels, t.created_at, t.updated_at, t.last_event_sequence, t.not_before
        """;

    public const string TaskFrom = "tasks t JOIN repositories r ON r.id = t.repository_id";

    public static AgentTask ReadTask(NpgsqlDataReader reader)
    {
        var task = new AgentTask
        {
            Id = reader.GetInt64(0),
            RepositoryId = reader.GetInt64(1),
            Repository = reader.GetString(2),
            Title = reader.GetString(3),
            Description = reader.GetString(4),
            Acceptance = reader.GetString(5),
            Priority = reader.GetInt16(6),
            Vendor = reader.GetString(7),
            Model = reader.GetString(8),
            BaseBranch = reader.GetString(9),
            BaseCommit = reader.GetString(10),
            Status = TaskStatuses.FromStored(reader.GetString(11)),
            StatusReason = reader.GetString(12),
            MaxAttempts = reader.GetInt32(13),
            AttemptsUsed = reader.GetInt32(14),
            AttemptTimeout = Duration.FromTimeSpan(reader.GetFieldValue<TimeSpan>(15)),
            SkipVerification = reader.GetBoolean(16),
            CreatedAt = ToTimestamp(reader, 18),
            UpdatedAt = ToTimestamp(reader, 19),
            LastEventSequence = reader.GetInt64(20),
        };
        task.Labels.AddRange(reader.GetFieldValue<string[]>(17));
        if (!reader.IsDBNull(21))
        {
            task.NotBefore = ToTimestamp(reader, 21);
        }

        return task;
    }

    /// <summary>The run columns <see cref="ReadRun"/> expects, in order.</summary>
    public const string RunColumns =
        """
        id, task_id, attempt, worker_id, vendor, model, outcome, exit_code, turns, cost_usd, duration, session_id,
        output_excerpt, error, head_commit, commit_count, verification_passed, verification_failed_stage,
        verification_exit_code, verification_output_tail, verification_duration, started_at, finished_at
        """;

    public static Run ReadRun(NpgsqlDataReader reader)
    {
        var run = new Run
        {
            Id = reader.GetInt64(0),
            TaskId = reader.GetInt64(1),
            Attempt = reader.GetInt32(2),
            WorkerId = reader.GetString(3),
            Vendor = reader.GetString(4),
            Model = reader.GetString(5),
            Outcome = RunOutcomes.FromStored(reader.GetString(6)),
            Turns = reader.GetInt32(8),
            CostUsd = (double)reader.GetDecimal(9),
            SessionId = reader.GetString(11),
            OutputExcerpt = reader.GetString(12),
            Error = reader.GetString(13),
            HeadCommit = reader.GetString(14),
            CommitCount = reader.GetInt32(15),
            StartedAt = ToTimestamp(reader, 21),
        };
        if (!reader.IsDBNull(7))
        {
            run.ExitCode = reader.GetInt32(7);
        }

        if (!reader.IsDBNull(10))
        {
            run.Duration = Duration.FromTimeSpan(reader.GetFieldValue<TimeSpan>(10));
        }

        if (!reader.IsDBNull(16))
        {
            run.Verification = new Verification
            {
                Passed = reader.GetBoolean(16),
                FailedStage = reader.GetString(17),
                OutputTail = reader.GetString(19),
            };
            if (!reader.IsDBNull(18))
            {
                run.Verification.ExitCode = reader.GetInt32(18);
            }

            if (!reader.IsDBNull(20))
            {
                run.Verification.Duration = Duration.FromTimeSpan(reader.GetFieldValue<TimeSpan>(20));
            }
        }

        if (!reader.IsDBNull(22))
        {
            run.FinishedAt = ToTimestamp(reader, 22);
        }

        return run;
    }

    public static Timestamp ToTimestamp(NpgsqlDataReader reader, int ordinal) =>
        Timestamp.FromDateTime(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc));
}

/// <summary>Run outcomes as stored (lowercase words in <c>runs.outcome</c>).</summary>
internal static class RunOutcomes
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string TimedOut = "timed_out";
    public const string Cancelled = "cancelled";
    public const string Lost = "lost";
    public const string Blocked = "blocked";

    public static RunOutcome FromStored(string outcome) => outcome switch
    {
        Running => RunOutcome.Running,
        Succeeded => RunOutcome.Succeeded,
        Failed => RunOutcome.Failed,
        TimedOut => RunOutcome.TimedOut,
        Cancelled => RunOutcome.Cancelled,
        Lost => RunOutcome.Lost,
        Blocked => RunOutcome.Blocked,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown stored run outcome."),
    };
}
