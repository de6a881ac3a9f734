using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace DevServer.Orchestrator.Tests.Data;

/// <summary>Migrations against a real, empty database per test.</summary>
public sealed class MigrationRunnerTests(PostgresFixture postgres)
{
    private const int TimeoutMs = 60_000;

    [Fact(Timeout = TimeoutMs)]
    public void Embedded_Migrations_AreTheSqlResourcesInNameOrder()
    {
        var versions = Migration.Embedded.Select(m => m.Version).ToList();

        Assert.Equal("0001_pipeline", versions[0]);
        Assert.Equal(versions.Order(StringComparer.Ordinal), versions);
        Assert.All(Migration.Embedded, m => Assert.False(string.IsNullOrWhiteSpace(m.Sql), $"{m.Version} is empty."));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_DatabaseWithTheRetiredDeliveryCleanupJob_ItsQuartzRowsGoOthersStay()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateEmptyDatabaseAsync(ct));
        // The part of Quartz's own schema the migration touches, as an older orchestrator left it: the delivery cleanup
        // job (now a hosted service per instance) and the dispatch job (still there), each with a simple trigger.
        await using (var setup = dataSource.CreateCommand(
            """
            CREATE TABLE qrtz_job_details (sched_name text, job_name text, job_group text, PRIMARY KEY (sched_name, job_name, job_group));
            CREATE TABLE qrtz_triggers (sched_name text, trigger_name text, trigger_group text, job_name text, job_group text,
                PRIMARY KEY (sched_name, trigger_name, trigger_group),
                FOREIGN KEY (sched_name, job_name, job_group) REFERENCES qrtz_job_details);
            CREATE TABLE qrtz_simple_triggers (sched_name text, trigger_name text, trigger_group text,
                PRIMARY KEY (sched_name, trigger_name, trigger_group),
                FOREIGN KEY (sched_name, trigger_name, trigger_group) REFERENCES qrtz_triggers);
            INSERT INTO qrtz_job_details VALUES ('devserver', 'delivery-cleanup', 'delivery'), ('devserver', 'dispatch', 'pipeline');
            INSERT INTO qrtz_triggers VALUES ('devserver', 'delivery-cleanup', 'delivery', 'delivery-cleanup', 'delivery'),
                ('devserver', 'dispatch-backstop', 'pipeline', 'dispatch', 'pipeline');
            INSERT INTO qrtz_simple_triggers VALUES ('devserver', 'delivery-cleanup', 'delivery'), ('devserver', 'dispatch-backstop', 'pipeline');
            """))
        {
            await setup.ExecuteNonQueryAsync(ct);
        }

        await Runner(dataSource).RunAsync(Migration.Embedded, ct);

        Assert.Equal("dispatch", await ScalarAsync<string>(dataSource, "SELECT string_agg(job_name, ',') FROM qrtz_job_details", ct));
        Assert.Equal("dispatch-backstop", await ScalarAsync<string>(dataSource, "SELECT string_agg(trigger_name, ',') FROM qrtz_triggers", ct));
        Assert.Equal("dispatch-backstop", await ScalarAsync<string>(dataSource, "SELECT string_agg(trigger_name, ',') FROM qrtz_simple_triggers", ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_EmptyDatabase_AppliesEveryMigrationAndRecordsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateEmptyDatabaseAsync(ct));

        var applied = await Runner(dataSource).RunAsync(Migration.Embedded, ct);

        Assert.Equal(Migration.Embedded.Select(m => m.Version), applied);
        Assert.Equal(applied, await RecordedAsync(dataSource, ct));
        Assert.Equal(0L, await ScalarAsync<long>(dataSource, "SELECT count(*) FROM api_tokens", ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_SecondRun_AppliesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateEmptyDatabaseAsync(ct));
        await Runner(dataSource).RunAsync(Migration.Embedded, ct);
        var recorded = await RecordedAsync(dataSource, ct);

        var applied = await Runner(dataSource).RunAsync(Migration.Embedded, ct);

        Assert.Empty(applied);
        Assert.Equal(recorded, await RecordedAsync(dataSource, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_NewMigrationAdded_AppliesOnlyIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateEmptyDatabaseAsync(ct));
        Migration[] first = [new("0001_a", "CREATE TABLE a (id int)")];
        await Runner(dataSource).RunAsync(first, ct);

        var applied = await Runner(dataSource).RunAsync([.. first, new("0002_b", "CREATE TABLE b (id int)")], ct);

        Assert.Equal(["0002_b"], applied);
        Assert.Equal(["0001_a", "0002_b"], await RecordedAsync(dataSource, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_ConcurrentRunnersOnOneDatabase_ApplyEachMigrationOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateEmptyDatabaseAsync(ct));
        // The sleep holds the first runner inside its migration while the others arrive: without the lock they would
        // all find the migration missing, and all but one would fail on CREATE TABLE or on the version's key.
        Migration[] migrations =
        [
            new("0001_slow", "SELECT pg_sleep(0.5); CREATE TABLE slow (id int)"),
            new("0002_after", "CREATE TABLE after_slow (id int)"),
        ];

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Runner(dataSource).RunAsync(migrations, ct), ct)));

        Assert.Equal(["0001_slow", "0002_after"], results.SelectMany(r => r).Order(StringComparer.Ordinal));
        Assert.Equal(["0001_slow", "0002_after"], await RecordedAsync(dataSource, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_FailingMigration_RollsItBackWithoutRecordingIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateEmptyDatabaseAsync(ct));
        Migration[] migrations =
        [
            new("0001_ok", "CREATE TABLE ok (id int)"),
            new("0002_bad", "CREATE TABLE half_done (id int); SELECT * FROM no_such_table"),
        ];

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner(dataSource).RunAsync(migrations, ct));

        Assert.Contains("0002_bad", error.Message, StringComparison.Ordinal);
        Assert.Equal(["0001_ok"], await RecordedAsync(dataSource, ct));
        Assert.Null(await ScalarAsync<string?>(dataSource, "SELECT to_regclass('half_done')::text", ct));
        // The lock was released: a corrected migration goes through at once.
        var applied = await Runner(dataSource).RunAsync([migrations[0], new("0002_bad", "CREATE TABLE half_done (id int)")], ct);
        Assert.Equal(["0002_bad"], applied);
    }

    private static MigrationRunner Runner(NpgsqlDataSource dataSource) =>
        new(dataSource, TimeProvider.System, NullLogger<MigrationRunner>.Instance);

    private static async Task<List<string>> RecordedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT version FROM schema_migrations ORDER BY version");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetString(0));
        }

        return versions;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? default! : (T)value!;
    }
}
