using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Orchestrator.Delivery;
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
        t.skip_verification, t.labels, t.created_at, t.updated_at, t.last_event_sequence, t.not_before,
        t.backup_vendor, t.backup_model, t.max_turns, t.billing_mode, t.allowed_tools, t.on_backup,
        t.delivery_flow, t.delivered_flow, t.delivered_branch, t.delivered_commit, t.pull_request_url, t.pull_request_number,
        t.delivered_at, t.retired_at
        """;

    public const string TaskFrom = "tasks t JOIN repositories r ON r.id = t.repository_id";

    /// <summary>One task, or null when there is none with that id.</summary>
    public static async Task<AgentTask?> FindTaskAsync(NpgsqlCommand command, long taskId, CancellationToken cancellationToken)
    {
        command.CommandText = $"SELECT {TaskColumns} FROM {TaskFrom} WHERE t.id = @id";
        command.Parameters.AddWithValue("id", taskId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadTask(reader) : null;
    }

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
            BackupVendor = reader.GetString(22),
            BackupModel = reader.GetString(23),
            TurnLimit = AgentSettings.ToTurnLimit(reader.IsDBNull(24) ? null : reader.GetInt32(24)),
            BillingMode = AgentSettings.ToBillingMode(reader.GetString(25)),
            OnBackup = reader.GetBoolean(27),
            DeliveryFlow = DeliveryFlows.FromStored(reader.GetString(28)),
        };
        if (!reader.IsDBNull(34))
        {
            task.Delivery = new Contracts.Tasks.V1.Delivery
            {
                Flow = DeliveryFlows.FromStored(reader.GetString(29)),
                Branch = reader.GetString(30),
                Commit = reader.GetString(31),
                PullRequestUrl = reader.GetString(32),
                PullRequestNumber = reader.GetInt64(33),
                DeliveredAt = ToTimestamp(reader, 34),
            };
        }

        task.Labels.AddRange(reader.GetFieldValue<string[]>(17));
        task.AllowedTools.AddRange(reader.GetFieldValue<string[]>(26));
        if (!reader.IsDBNull(21))
        {
            task.NotBefore = ToTimestamp(reader, 21);
        }

        if (!reader.IsDBNull(35))
        {
            task.RetiredAt = ToTimestamp(reader, 35);
        }

        return task;
    }

    /// <summary>The run columns <see cref="ReadRun"/> expects, in order.</summary>
    public const string RunColumns =
        """
        id, task_id, attempt, worker_id, vendor, model, outcome, exit_code, turns, cost_usd, duration, session_id,
        output_excerpt, error, head_commit, commit_count, verification_passed, verification_failed_stage,
        verification_exit_code, verification_output_tail, verification_duration, started_at, finished_at,
        error_kind, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, attempt_given_back, failure_class
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
            ErrorKind = AgentErrorKinds.FromStored(reader.GetString(23)),
            Usage = new TokenUsage
            {
                InputTokens = reader.GetInt64(24),
                OutputTokens = reader.GetInt64(25),
                CacheReadTokens = reader.GetInt64(26),
                CacheWriteTokens = reader.GetInt64(27),
            },
            AttemptGivenBack = reader.GetBoolean(28),
            FailureClass = reader.GetString(29),
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

/// <summary>Agent error kinds as stored (lowercase words in <c>runs.error_kind</c>, '' for none).</summary>
internal static class AgentErrorKinds
{
    public static string ToStored(AgentErrorKind kind) => kind switch
    {
        AgentErrorKind.Unspecified => "",
        AgentErrorKind.RateLimited => "rate_limited",
        AgentErrorKind.Authentication => "authentication",
        AgentErrorKind.Billing => "billing",
        AgentErrorKind.Overloaded => "overloaded",
        AgentErrorKind.MaxTurns => "max_turns",
        AgentErrorKind.ContextTooLong => "context_too_long",
        AgentErrorKind.SessionNotFound => "session_not_found",
        AgentErrorKind.ModelUnavailable => "model_unavailable",
        AgentErrorKind.Crashed => "crashed",
        AgentErrorKind.InvalidRequest => "invalid_request",
        _ => "other",
    };

    public static AgentErrorKind FromStored(string stored) => stored switch
    {
        "" => AgentErrorKind.Unspecified,
        "rate_limited" => AgentErrorKind.RateLimited,
        "authentication" => AgentErrorKind.Authentication,
        "billing" => AgentErrorKind.Billing,
        "overloaded" => AgentErrorKind.Overloaded,
        "max_turns" => AgentErrorKind.MaxTurns,
        "context_too_long" => AgentErrorKind.ContextTooLong,
        "session_not_found" => AgentErrorKind.SessionNotFound,
        "model_unavailable" => AgentErrorKind.ModelUnavailable,
        "crashed" => AgentErrorKind.Crashed,
        "invalid_request" => AgentErrorKind.InvalidRequest,
        _ => AgentErrorKind.Other,
    };

    /// <summary>Errors no retry on the same vendor can fix: the key, the account or the request itself is wrong.</summary>
    public static bool IsHard(AgentErrorKind kind) =>
        kind is AgentErrorKind.Authentication or AgentErrorKind.Billing or AgentErrorKind.ModelUnavailable or AgentErrorKind.InvalidRequest;
}
