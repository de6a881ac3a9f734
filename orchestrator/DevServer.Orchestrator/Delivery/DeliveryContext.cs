using DevServer.Delivery.Forges;
using DevServer.Delivery.Git;
using DevServer.Delivery.Preflight;
using DevServer.Contracts.Events.V1;
using DevServer.Orchestrator.Secrets;
using Npgsql;

namespace DevServer.Orchestrator.Delivery;

/// <summary>
/// Everything one delivery reads before it starts: the task, its repository's delivery settings, the verified run
/// and what the pull request body reports. Read without locks (the lease keeps other deliveries away; a concurrent
/// cancel is noticed when the outcome is recorded). The forge token is read and decrypted here and lives only in memory;
/// one that cannot be decrypted is a <see cref="TokenProblem"/>, not an exception.
/// </summary>
internal sealed record DeliveryContext(
    long TaskId,
    string Title,
    string Description,
    string Flow,
    string BaseBranch,
    int Failures,
    string RepositoryName,
    string Location,
    string ForgeKind,
    string ForgeApiUrl,
    string ForgeRepository,
    string? RepositoryToken,
    PreflightOptions Preflight,
    long RunId,
    string BaseCommit,
    byte[] Series,
    RunMetrics Metrics,
    IReadOnlyList<VerificationStageResult> Stages)
{
    /// <summary>
    /// A path to a working folder (a clone, a linked worktree, a submodule; not a bare repository): delivered into as
    /// new branch refs, never pushed to. The library decides, so its tests cover this decision.
    /// </summary>
    public RepositoryKind Kind => DeliveryRepository.KindOf(Location);

    /// <summary>Reads a delivering task's context; null when the task or its verified work is gone.</summary>
    public static async Task<DeliveryContext?> ReadAsync(
        NpgsqlDataSource dataSource, SecretProtector secrets, long taskId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        DeliveryContext? context;
        await using (var command = new NpgsqlCommand(
            """
            SELECT t.title, t.description, t.delivery_flow, t.base_branch, t.delivery_failures, t.vendor, t.model, t.on_backup,
                   r.name, r.location, r.delivery_flow, r.forge_kind, r.forge_api_url, r.forge_repository, r.forge_token,
                   r.deny_paths, r.allow_paths, r.allowed_author_emails, r.max_diff_bytes, r.max_files,
                   run.id, run.base_commit, run.patch_series, run.vendor, run.model, run.attempt,
                   (SELECT count(*) FROM runs a WHERE a.task_id = t.id AND NOT a.attempt_given_back)::int,
                   (SELECT coalesce(sum(a.turns), 0) FROM runs a WHERE a.task_id = t.id)::int,
                   (SELECT coalesce(sum(a.cost_usd), 0) FROM runs a WHERE a.task_id = t.id),
                   (SELECT coalesce(max(coalesce(a.finished_at, a.started_at)) - min(a.started_at), interval '0') FROM runs a WHERE a.task_id = t.id),
                   r.allow_lock_files, r.id
            FROM tasks t
            JOIN repositories r ON r.id = t.repository_id
            JOIN LATERAL (SELECT * FROM runs x WHERE x.task_id = t.id AND x.outcome = 'succeeded' AND x.patch_series IS NOT NULL
                          ORDER BY x.attempt DESC LIMIT 1) run ON true
            WHERE t.id = @task
            """,
            connection))
        {
            command.Parameters.AddWithValue("task", taskId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            var (vendor, model, onBackup) = (reader.GetString(5), reader.GetString(6), reader.GetBoolean(7));
            var maxDiffBytes = reader.GetInt64(18);
            var maxFiles = reader.GetInt32(19);
            var defaults = new PreflightOptions();
            var preflight = defaults with
            {
                Paths = defaults.Paths with
                {
                    Denied = [.. PathRuleOptions.DefaultDenied, .. reader.GetFieldValue<string[]>(15)],
                    Allowed = reader.GetFieldValue<string[]>(16) is { Length: > 0 } allowed ? allowed : null,
                    AllowLockFiles = reader.GetBoolean(30),
                },
                Identity = defaults.Identity with { AllowedEmails = reader.GetFieldValue<string[]>(17) },
                Limits = defaults.Limits with
                {
                    MaxSeriesBytes = maxDiffBytes > 0 ? maxDiffBytes : defaults.Limits.MaxSeriesBytes,
                    MaxFilesChanged = maxFiles > 0 ? maxFiles : defaults.Limits.MaxFilesChanged,
                },
            };
            var (token, tokenProblem) = reader.IsDBNull(14) ? (null, null) : ReadToken(secrets, reader.GetString(14), reader.GetInt64(31), reader.GetString(8));
            var runVendor = reader.GetString(23);
            var metrics = new RunMetrics(
                reader.GetInt32(26),
                reader.GetInt32(27),
                reader.GetDecimal(28),
                reader.GetFieldValue<TimeSpan>(29),
                runVendor,
                reader.GetString(24),
                onBackup ? FailoverFrom(vendor, model) : null);
            context = new DeliveryContext(
                taskId,
                reader.GetString(0),
                reader.GetString(1),
                DeliveryFlows.Effective(reader.GetString(2), reader.GetString(10)),
                reader.GetString(3),
                reader.GetInt32(4),
                reader.GetString(8),
                reader.GetString(9),
                reader.GetString(11),
                reader.GetString(12),
                reader.GetString(13),
                token,
                preflight,
                reader.GetInt64(20),
                reader.GetString(21),
                reader.GetFieldValue<byte[]>(22),
                metrics,
                [])
            {
                Attempt = reader.GetInt32(25),
                TokenProblem = tokenProblem,
            };
        }

        return context with { Stages = await ReadStagesAsync(connection, taskId, context.Attempt, cancellationToken) };
    }

    /// <summary>The attempt whose work is delivered.</summary>
    public int Attempt { get; init; }

    /// <summary>Why the repository's stored token cannot be used (it does not decrypt with this orchestrator's key); null when it can.</summary>
    public string? TokenProblem { get; init; }

    private static (string? Token, string? Problem) ReadToken(SecretProtector secrets, string stored, long repositoryId, string repository)
    {
        try
        {
            return (secrets.Unprotect(stored, SecretProtector.ForgeToken(repositoryId)), null);
        }
        catch (SecretUnreadableException exception)
        {
            return (null, $"the forge token of repository '{repository}' cannot be decrypted: {exception.Message} " +
                $"(devserver repo update {repository} --forge-token-file <file>); then retry the task");
        }
    }

    private static string FailoverFrom(string vendor, string model) => model.Length == 0 ? vendor : $"{vendor} ({model})";

    /// <summary>The verified attempt's stages, from its StageFinished events (the last result of each stage).</summary>
    private static async Task<IReadOnlyList<VerificationStageResult>> ReadStagesAsync(
        NpgsqlConnection connection, long taskId, int attempt, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT payload FROM task_events WHERE task_id = @task AND attempt = @attempt AND kind = 'stage_finished' ORDER BY sequence",
            connection);
        command.Parameters.AddWithValue("task", taskId);
        command.Parameters.AddWithValue("attempt", attempt);
        var stages = new Dictionary<string, VerificationStageResult>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var finished = TaskEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0)).StageFinished;
            if (finished is null)
            {
                continue;
            }

            var name = finished.Stage.ToString().ToLowerInvariant();
            var summary = finished.PreExisting ? "failed on the base commit too (not counted)"
                : finished.TimedOut ? "timed out"
                : finished.HasExitCode ? $"exit code {finished.ExitCode}" : "";
            stages[name] = new VerificationStageResult(name, finished.Passed || finished.PreExisting, finished.Duration?.ToTimeSpan() ?? TimeSpan.Zero, summary);
        }

        return [.. stages.Values];
    }
}
