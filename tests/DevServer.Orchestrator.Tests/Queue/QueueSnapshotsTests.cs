using DevServer.Orchestrator.Queue;
using DevServer.Orchestrator.Tests.Infrastructure;
using Npgsql;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Queue;

/// <summary>
/// The queue's state as every QueueService RPC builds it, read from a real database whose tasks the test writes
/// directly (statuses, finished and retired times), at a clock the test sets.
/// </summary>
public sealed class QueueSnapshotsTests(PostgresFixture postgres)
{
    private const int TimeoutMs = 60_000;

    // 03:00 UTC on the 21st is 22:00 on the 20th in New York (UTC-5): "today" began at 05:00 UTC on the 20th there,
    // but only at 00:00 UTC on the 21st in UTC.
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 3, 0, 0, TimeSpan.Zero);

    [Fact(Timeout = TimeoutMs)]
    public async Task ReadStateAsync_TasksInEveryStatus_CountsByStatusWithoutRetiredOnes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var repository = await AddRepositoryAsync(dataSource, ct);
        foreach (var (status, count) in new[] { ("pending", 1), ("queued", 3), ("running", 2), ("verifying", 1), ("delivering", 1), ("done", 4), ("cancelled", 2) })
        {
            for (var i = 0; i < count; i++)
            {
                await AddTaskAsync(dataSource, repository, status, finishedAt: null, retired: false, ct);
            }
        }

        await AddTaskAsync(dataSource, repository, "done", finishedAt: null, retired: true, ct);
        await AddTaskAsync(dataSource, repository, "failed", finishedAt: null, retired: true, ct);

        var state = await Snapshots(dataSource).ReadStateAsync(TimeZoneInfo.Utc, ct);

        Assert.Equal(
            [(TaskStatus.Pending, 1), (TaskStatus.Queued, 3), (TaskStatus.Running, 2), (TaskStatus.Verifying, 1), (TaskStatus.Delivering, 1), (TaskStatus.Done, 4), (TaskStatus.Cancelled, 2)],
            state.Counts.Select(c => (c.Status, c.Count)));
        Assert.Equal((3, 3), (state.Queued, state.Active));
        Assert.Equal((false, 2), (state.Paused, state.MaxConcurrency));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ReadStateAsync_FinishedAroundMidnight_TodayStartsAtLocalMidnightOfTheZone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var repository = await AddRepositoryAsync(dataSource, ct);
        // Yesterday everywhere.
        await AddTaskAsync(dataSource, repository, "done", Now.AddHours(-23), retired: false, ct);
        await AddTaskAsync(dataSource, repository, "failed", Now.AddHours(-23), retired: false, ct);
        // Today in New York (after 05:00 UTC on the 20th), yesterday in UTC.
        await AddTaskAsync(dataSource, repository, "done", Now.AddHours(-21), retired: false, ct);
        await AddTaskAsync(dataSource, repository, "done", Now.AddHours(-4), retired: true, ct);
        await AddTaskAsync(dataSource, repository, "blocked", Now.AddHours(-5), retired: false, ct);
        // Today in both.
        await AddTaskAsync(dataSource, repository, "done", Now.AddHours(-2), retired: false, ct);
        await AddTaskAsync(dataSource, repository, "failed", Now.AddMinutes(-10), retired: false, ct);
        await AddTaskAsync(dataSource, repository, "blocked", Now.AddMinutes(-1), retired: false, ct);
        // Not a failure: cancelled tasks are in neither figure, nor are tasks without a finishing time.
        await AddTaskAsync(dataSource, repository, "cancelled", Now.AddMinutes(-1), retired: false, ct);
        await AddTaskAsync(dataSource, repository, "done", finishedAt: null, retired: false, ct);

        var utc = await Snapshots(dataSource).ReadStateAsync(TimeZoneInfo.Utc, ct);
        var newYork = await Snapshots(dataSource).ReadStateAsync(TodayStart.Resolve("America/New_York"), ct);
        var tokyo = await Snapshots(dataSource).ReadStateAsync(TodayStart.Resolve("Asia/Tokyo"), ct);

        Assert.Equal((1, 2), (utc.CompletedToday, utc.FailedToday));
        Assert.Equal((3, 3), (newYork.CompletedToday, newYork.FailedToday));
        // 12:00 on the 21st in Tokyo (UTC+9): today began at 15:00 UTC on the 20th.
        Assert.Equal((2, 3), (tokyo.CompletedToday, tokyo.FailedToday));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("../../etc/passwd")]
    [InlineData("/usr/share/zoneinfo/UTC")]
    [InlineData("Europe/Berlin ")]
    [InlineData("W. Europe Standard Time")]
    public void Resolve_NotAnIanaZone_InvalidArgumentNamingIt(string zone)
    {
        var error = Assert.Throws<RpcException>(() => TodayStart.Resolve(zone));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("time_zone", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("IANA", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("", "UTC")]
    [InlineData("UTC", "UTC")]
    [InlineData("Europe/Berlin", "Europe/Berlin")]
    [InlineData("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires")]
    public void Resolve_IanaZoneOrEmpty_TheZone(string zone, string expected) =>
        Assert.Equal(expected, TodayStart.Resolve(zone).Id);

    [Theory(Timeout = TimeoutMs)]
    // An ordinary day: local midnight.
    [InlineData("America/New_York", "2026-11-21T03:00:00Z", "2026-11-20T05:00:00Z")]
    [InlineData("Asia/Tokyo", "2026-11-21T03:00:00Z", "2026-11-20T15:00:00Z")]
    [InlineData("UTC", "2026-11-21T03:00:00Z", "2026-11-21T00:00:00Z")]
    // Clocks jump from 00:00 to 01:00: the day starts at 01:00 local.
    [InlineData("America/Santiago", "2026-09-06T12:00:00Z", "2026-09-06T04:00:00Z")]
    [InlineData("America/Havana", "2026-03-08T12:00:00Z", "2026-03-08T05:00:00Z")]
    // Clocks go back from 01:00 to 00:00: midnight happens twice and the day starts at the first one.
    [InlineData("America/Havana", "2026-11-01T12:00:00Z", "2026-11-01T04:00:00Z")]
    public void Of_Zone_StartOfTheLocalDay(string zone, string now, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, null, System.Globalization.DateTimeStyles.RoundtripKind),
            TodayStart.Of(DateTimeOffset.Parse(now, null, System.Globalization.DateTimeStyles.RoundtripKind), TodayStart.Resolve(zone)));

    private static QueueSnapshots Snapshots(NpgsqlDataSource dataSource) => new(dataSource, new ManualTimeProvider(Now));

    private static async Task<long> AddRepositoryAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO repositories (name, location, default_branch, stage_timeout, max_attempts, attempt_timeout, created_at, updated_at)
            VALUES ('sample', '/srv/git/sample.git', 'main', interval '10 minutes', 3, interval '1 hour', now(), now())
            RETURNING id
            """);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task AddTaskAsync(
        NpgsqlDataSource dataSource, long repository, string status, DateTimeOffset? finishedAt, bool retired, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO tasks (repository_id, title, priority, vendor, base_branch, status, max_attempts, attempt_timeout, created_at, updated_at,
                               finished_at, retired_at)
            VALUES (@repository, 'a task', 3, 'script', 'main', @status, 3, interval '1 hour', @created, @created, @finished,
                    CASE WHEN @retired THEN @created END)
            """);
        command.Parameters.AddWithValue("repository", repository);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.AddWithValue("created", Now.AddDays(-2));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("finished", NpgsqlTypes.NpgsqlDbType.TimestampTz) { TypedValue = finishedAt });
        command.Parameters.AddWithValue("retired", retired);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
