using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Orchestrator.Hosting;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using DevServer.Orchestrator.Runs;
using DevServer.Orchestrator.Tasks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DevServer.Orchestrator.Mesh;

/// <summary>
/// Pushes work and cancellations to the workers whose streams this instance holds. It wakes on
/// <c>NOTIFY devserver_assignments</c> (any instance placed or cancelled something), on a new connection, and every
/// few seconds, and sends each open assignment once per connection and each cancellation once per connection.
/// </summary>
internal sealed class AssignmentDelivery(
    NpgsqlDataSource dataSource,
    WorkerRegistry registry,
    PostgresNotifications notifications,
    IOptions<AgentOptions> agentOptions,
    ILogger<AssignmentDelivery> logger)
    : WakeableLoop(logger, SafetyInterval)
{
    private static readonly TimeSpan SafetyInterval = TimeSpan.FromSeconds(3);

    protected override Task StartingAsync(CancellationToken cancellationToken)
    {
        notifications.Subscribe(PostgresNotifications.AssignmentsChannel, Wake);
        return Task.CompletedTask;
    }

    protected override async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        var connections = registry.Snapshot();
        if (connections.Length == 0)
        {
            return;
        }

        var workerIds = connections.Select(c => c.WorkerId).ToArray();
        var pending = new List<(string WorkerId, Guid AssignmentId, string State)>();
        await using (var command = dataSource.CreateCommand(
            "SELECT worker_id, id, state FROM assignments WHERE worker_id = ANY(@workers) AND state IN ('open', 'cancelling', 'timed_out') AND (state <> 'timed_out' OR finished_at > now() - interval '5 minutes') ORDER BY created_at"))
        {
            command.Parameters.AddWithValue("workers", workerIds);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                pending.Add((reader.GetString(0), reader.GetGuid(1), reader.GetString(2)));
            }
        }

        foreach (var (workerId, assignmentId, state) in pending)
        {
            if (registry.Find(workerId) is not { } connection)
            {
                continue;
            }

            var id = assignmentId.ToString();
            if (state == "open")
            {
                if (!connection.MarkAssignmentSent(id))
                {
                    continue;
                }

                if (await BuildAssignmentAsync(assignmentId, cancellationToken) is { } assignment)
                {
                    await connection.SendAsync(new ConnectResponse { Assignment = assignment }, cancellationToken);
                }
            }
            else if (connection.MarkCancellationSent(id))
            {
                var reason = state == "timed_out" ? "the attempt ran past its time limit" : "the task was cancelled";
                await connection.SendAsync(new ConnectResponse { Cancel = new CancelAssignment { AssignmentId = id, Reason = reason } }, cancellationToken);
            }
        }
    }

    /// <summary>The work message for an assignment, built from the task, its repository and its run.</summary>
    private async Task<Assignment?> BuildAssignmentAsync(Guid assignmentId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.kind, a.task_id, a.attempt, t.title, t.description, t.acceptance, t.labels, t.base_branch, t.base_commit,
                   t.attempt_timeout, run.model, r.name, r.location, r.pre_command, r.build_command, r.test_command,
                   r.lint_command, r.stage_timeout, run.base_commit, run.patch_series,
                   -- The session to resume: the previous attempt's, when it ran on this sidecar with the same vendor and model
                   -- (a failover starts afresh) and the sidecar can resume sessions.
                   (SELECT p.session_id FROM runs p JOIN workers w ON w.id = a.worker_id
                    WHERE p.task_id = a.task_id AND p.attempt < a.attempt AND w.resumes_sessions
                      AND p.worker_id = a.worker_id AND p.vendor = run.vendor AND p.model = run.model AND p.error_kind <> 'session_not_found'
                    ORDER BY p.attempt DESC LIMIT 1),
                   -- What went wrong, for the agent: not the vendor's own trouble (a key, a limit), which says nothing about the work.
                   (SELECT CASE WHEN p.error_kind = 'max_turns'
                                THEN 'The previous attempt reached its turn limit before it finished. Continue the task where it stopped.'
                                WHEN p.error_kind IN ('rate_limited', 'authentication', 'billing', 'model_unavailable', 'invalid_request')
                                THEN NULL
                                ELSE concat_ws(E'\n', nullif(p.error, ''), nullif(p.verification_output_tail, '')) END
                    FROM runs p WHERE p.task_id = a.task_id AND p.attempt < a.attempt ORDER BY p.attempt DESC LIMIT 1),
                   t.max_turns, t.billing_mode, t.allowed_tools,
                   -- The work so far: the latest series made on the same base, which the new attempt builds on.
                   (SELECT p.patch_series FROM runs p
                    WHERE p.task_id = a.task_id AND p.attempt < a.attempt AND p.patch_series IS NOT NULL AND p.base_commit = t.base_commit
                    ORDER BY p.attempt DESC LIMIT 1),
                   previous.failure_class, previous.failure_hint, previous.failure_evidence, r.detect_commands
            FROM assignments a
            JOIN tasks t ON t.id = a.task_id
            JOIN repositories r ON r.id = t.repository_id
            JOIN runs run ON run.id = a.run_id
            LEFT JOIN LATERAL (SELECT p.failure_class, p.failure_hint, p.failure_evidence FROM runs p
                               WHERE p.task_id = a.task_id AND p.attempt < a.attempt ORDER BY p.attempt DESC LIMIT 1) previous ON true
            WHERE a.id = @id AND a.state = 'open'
            """);
        command.Parameters.AddWithValue("id", assignmentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var assignment = new Assignment { AssignmentId = assignmentId.ToString(), TaskId = reader.GetInt64(1), Attempt = reader.GetInt32(2) };
        var repository = new RepositorySource { Name = reader.GetString(11), Location = reader.GetString(12) };
        if (reader.GetString(0) == "agent")
        {
            var brief = new TaskBrief
            {
                TaskId = assignment.TaskId,
                Title = reader.GetString(3),
                Description = reader.GetString(4),
                Acceptance = reader.GetString(5),
            };
            brief.Labels.AddRange(reader.GetFieldValue<string[]>(6));
            assignment.Agent = new AgentWork
            {
                Repository = repository,
                BaseBranch = reader.GetString(7),
                BaseCommit = reader.GetString(8),
                WorkBranch = $"devserver/task-{assignment.TaskId}",
                Task = brief,
                Model = reader.GetString(10),
                ResumeSessionId = reader.IsDBNull(20) ? "" : reader.GetString(20),
                Timeout = Duration.FromTimeSpan(reader.GetFieldValue<TimeSpan>(9)),
                PreviousFailure = reader.IsDBNull(21) ? "" : reader.GetString(21),
                MaxTurns = reader.IsDBNull(22) ? agentOptions.Value.DefaultMaxTurns : reader.GetInt32(22),
                BillingMode = AgentSettings.ToBillingMode(reader.GetString(23)),
                PriorWork = reader.IsDBNull(25) ? ByteString.Empty : ByteString.CopyFrom(reader.GetFieldValue<byte[]>(25)),
            };
            assignment.Agent.AllowedTools.AddRange(reader.GetFieldValue<string[]>(24));
            if (!reader.IsDBNull(26) && reader.GetString(26).Length > 0)
            {
                var remediation = new Remediation { Key = reader.GetString(26), Hint = reader.GetString(27) };
                remediation.Evidence.AddRange(reader.GetFieldValue<string[]>(28));
                assignment.Agent.Remediation = remediation;
            }

            return assignment;
        }

        var stageTimeout = Duration.FromTimeSpan(reader.GetFieldValue<TimeSpan>(17));
        var verify = new VerifyWork
        {
            Repository = repository,
            BaseCommit = reader.GetString(18),
            PatchSeries = reader.IsDBNull(19) ? ByteString.Empty : ByteString.CopyFrom(reader.GetFieldValue<byte[]>(19)),
        };
        var detect = reader.GetBoolean(29);
        foreach (var (kind, ordinal) in new[] { (StageKind.Pre, 13), (StageKind.Build, 14), (StageKind.Test, 15), (StageKind.Lint, 16) })
        {
            var stageCommand = reader.GetString(ordinal);
            if (stageCommand.Length > 0)
            {
                verify.Stages.Add(new VerificationStage { Kind = kind, Command = stageCommand, Timeout = stageTimeout });
            }
            else if (detect)
            {
                verify.DetectStages.Add(kind);
            }
        }

        if (verify.DetectStages.Count > 0)
        {
            verify.DetectedStageTimeout = stageTimeout;
        }

        assignment.Verify = verify;
        return assignment;
    }

}
