using Npgsql;

namespace DevServer.Orchestrator.Tests.Analytics;

/// <summary>
/// Writes finished tasks and their attempts straight into the tables, with the times a test needs: the API can only make
/// tasks finish now, and analytics is about when they finished.
/// </summary>
internal sealed class AnalyticsSeed(NpgsqlDataSource dataSource)
{
    private long _repositoryId;

    public async Task AddRepositoryAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO repositories (name, location, default_branch, stage_timeout, max_attempts, attempt_timeout, created_at, updated_at)
            VALUES ('analytics', '/srv/git/analytics.git', 'main', interval '10 minutes', 3, interval '1 hour', now(), now())
            RETURNING id
            """);
        _repositoryId = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>A task in <paramref name="status"/> that finished at <paramref name="finishedAt"/> (null: it has not).</summary>
    public async Task<long> AddTaskAsync(
        string status, DateTimeOffset? finishedAt, CancellationToken cancellationToken, DateTimeOffset? retiredAt = null)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO tasks (repository_id, title, priority, vendor, base_branch, status, max_attempts, attempt_timeout,
                               finished_at, retired_at, created_at, updated_at)
            VALUES (@repository, 'seeded', 3, 'script', 'main', @status, 3, interval '1 hour', @finished, @retired,
                    coalesce(@finished, now()), coalesce(@finished, now()))
            RETURNING id
            """);
        command.Parameters.AddWithValue("repository", _repositoryId);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("finished", NpgsqlTypes.NpgsqlDbType.TimestampTz) { TypedValue = finishedAt?.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("retired", NpgsqlTypes.NpgsqlDbType.TimestampTz) { TypedValue = retiredAt?.ToUniversalTime() });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>An attempt of <paramref name="taskId"/>, numbered after its others.</summary>
    public async Task AddRunAsync(
        long taskId, string vendor, DateTimeOffset startedAt, decimal cost, TimeSpan? duration, int turns, string outcome,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO runs (task_id, attempt, worker_id, vendor, outcome, turns, cost_usd, duration, started_at, finished_at)
            VALUES (@task, (SELECT count(*) + 1 FROM runs WHERE task_id = @task), 'seeded-worker', @vendor, @outcome, @turns, @cost,
                    @duration, @started, CASE WHEN @outcome = 'running' THEN NULL ELSE @started + coalesce(@duration, interval '0') END)
            """);
        command.Parameters.AddWithValue("task", taskId);
        command.Parameters.AddWithValue("vendor", vendor);
        command.Parameters.AddWithValue("outcome", outcome);
        command.Parameters.AddWithValue("turns", turns);
        command.Parameters.AddWithValue("cost", cost);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan?>("duration", NpgsqlTypes.NpgsqlDbType.Interval) { TypedValue = duration });
        command.Parameters.AddWithValue("started", startedAt.ToUniversalTime());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
