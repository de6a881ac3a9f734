using DevServer.Contracts.Events.V1;
using DevServer.Processes;
using Npgsql;

namespace DevServer.Orchestrator.Tests.Delivery;

/// <summary>
/// What the delivery tests against a real database set up and read: a bare remote with a series on top of it, a task in
/// <c>delivering</c> whose verified run holds the series, and the task's status, events and statistics.
/// </summary>
internal static class DeliverySeed
{
    /// <summary>A bare remote with one commit on main, and a series of one commit on top of it (as the sidecar sends it).</summary>
    public static async Task<(string Bare, string Base, byte[] Series)> RemoteWithSeriesAsync(string root, CancellationToken cancellationToken)
    {
        var bare = Path.Combine(root, "remote.git");
        var work = Path.Combine(root, "work");
        Directory.CreateDirectory(bare);
        Directory.CreateDirectory(work);
        await GitAsync(bare, cancellationToken, "init", "--quiet", "--bare");
        await GitAsync(work, cancellationToken, "init", "--quiet", "-b", "main");
        await File.WriteAllTextAsync(Path.Combine(work, "greeting.txt"), "hello\n", cancellationToken);
        await GitAsync(work, cancellationToken, "add", "--all");
        await GitAsync(work, cancellationToken, "commit", "--quiet", "-m", "Initial commit");
        await GitAsync(work, cancellationToken, "push", "--quiet", bare, "main:refs/heads/main");
        await GitAsync(bare, cancellationToken, "symbolic-ref", "HEAD", "refs/heads/main");
        // The files git's dumb HTTP protocol reads (info/refs, objects/info/packs).
        await GitAsync(bare, cancellationToken, "update-server-info");
        var baseCommit = (await GitAsync(work, cancellationToken, "rev-parse", "HEAD")).Trim();
        await File.WriteAllTextAsync(Path.Combine(work, "greeting.txt"), "hello, world\n", cancellationToken);
        await GitAsync(work, cancellationToken, "commit", "--quiet", "--all", "-m", "Greet the world");
        var series = Path.Combine(root, "series.mbox");
        await GitAsync(work, cancellationToken, "format-patch", "--quiet", "--binary", "--no-numbered", "--no-signature", $"--output={series}", $"{baseCommit}..HEAD");
        return (bare, baseCommit, await File.ReadAllBytesAsync(series, cancellationToken));
    }

    public static async Task<string> GitAsync(string directory, CancellationToken cancellationToken, params string[] arguments)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var result = await ProcessRunner.CaptureAsync(
            new ProcessSpec("git", ["-c", "user.name=Test Author", "-c", "user.email=author@example.com", "-c", "commit.gpgsign=false", .. arguments])
            {
                WorkingDirectory = directory,
                Environment = new Dictionary<string, string> { ["LC_ALL"] = "C", ["GIT_TERMINAL_PROMPT"] = "0" },
            },
            timeout.Token);
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.StandardError}");
        return result.StandardOutput;
    }

    /// <summary>A repository, and a task in <c>delivering</c> (patch only) whose verified run holds the series.</summary>
    public static async Task<long> SeedDeliveringTaskAsync(
        NpgsqlDataSource dataSource, string location, string baseCommit, byte[] series, CancellationToken cancellationToken, DateTimeOffset? claimedUntil = null)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH repository AS (
                INSERT INTO repositories (name, location, default_branch, stage_timeout, max_attempts, attempt_timeout, created_at, updated_at)
                VALUES ('lease-' || gen_random_uuid(), @location, 'main', interval '10 minutes', 3, interval '1 hour', now(), now())
                RETURNING id
            ), task AS (
                INSERT INTO tasks (repository_id, title, priority, vendor, base_branch, status, max_attempts, attempt_timeout, created_at, updated_at,
                                   delivery_flow, delivery_claimed_until)
                SELECT id, 'Greet the world', 3, 'script', 'main', 'delivering', 3, interval '1 hour', now(), now(), 'patch', @claimed
                FROM repository
                RETURNING id
            ), run AS (
                INSERT INTO runs (task_id, attempt, worker_id, vendor, outcome, base_commit, commit_count, patch_series, started_at, finished_at)
                SELECT id, 1, 'seeded-worker', 'script', 'succeeded', @base, 1, @series, now(), now() FROM task
            )
            SELECT id FROM task
            """);
        command.Parameters.AddWithValue("location", location);
        command.Parameters.AddWithValue("base", baseCommit);
        command.Parameters.AddWithValue("series", series);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("claimed", NpgsqlTypes.NpgsqlDbType.TimestampTz) { TypedValue = claimedUntil });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task<bool> HasDiffStatisticsAsync(NpgsqlDataSource dataSource, long taskId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT diff_statistics IS NOT NULL FROM runs WHERE task_id = @task");
        command.Parameters.AddWithValue("task", taskId);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public static async Task<string> ReadStatusAsync(NpgsqlDataSource dataSource, long taskId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT status FROM tasks WHERE id = @task");
        command.Parameters.AddWithValue("task", taskId);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task<List<TaskEvent.KindOneofCase>> ReadEventKindsAsync(NpgsqlDataSource dataSource, long taskId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT payload FROM task_events WHERE task_id = @task ORDER BY sequence");
        command.Parameters.AddWithValue("task", taskId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var kinds = new List<TaskEvent.KindOneofCase>();
        while (await reader.ReadAsync(cancellationToken))
        {
            kinds.Add(TaskEvent.Parser.ParseFrom(reader.GetFieldValue<byte[]>(0)).KindCase);
        }

        return kinds;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
