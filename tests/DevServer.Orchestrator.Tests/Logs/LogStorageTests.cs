using DevServer.Contracts.Mesh.V1;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Hosting;
using DevServer.Orchestrator.Logs;
using DevServer.Orchestrator.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using ProtoLogLevel = DevServer.Contracts.Logs.V1.LogLevel;

namespace DevServer.Orchestrator.Tests.Logs;

/// <summary>
/// How entries reach <c>log_entries</c> and leave it, against a real database of the test's own: the bounded buffer's
/// drops and their report, the worker intake's rules, and retention by age and count.
/// </summary>
public sealed class LogStorageTests(PostgresFixture postgres)
{
    private const int TimeoutMs = 60_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task LogBuffer_Full_DropsAtOnceAndTheWriterStoresOneReportOfTheDrops()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var buffer = new LogBuffer(10);
        var added = Enumerable.Range(1, 25).Select(i => buffer.TryAdd(LogWatchTests.Entry("worker flood", ProtoLogLevel.Warning, $"e{i}"))).ToList();
        var instance = new OrchestratorInstance();
        using var writer = new LogWriter(dataSource, buffer, Options.Create(LogWatchTests.FastWriter()), instance, TimeProvider.System, NullLogger<LogWriter>.Instance);

        await writer.StartAsync(ct);
        var stored = await ReadUntilAsync(dataSource, rows => rows.Count >= 11, ct);
        await writer.StopAsync(ct);

        Assert.Equal(Enumerable.Repeat(true, 10).Concat(Enumerable.Repeat(false, 15)), added);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => ("worker flood", $"e{i}")), stored.Take(10).Select(r => (r.Source, r.Message)));
        var report = Assert.Single(stored.Skip(10));
        Assert.Equal(PendingLogEntry.OrchestratorSource(instance.Id), report.Source);
        Assert.Equal((short)ProtoLogLevel.Warning, report.Level);
        Assert.StartsWith("15 log entries were dropped", report.Message, StringComparison.Ordinal);
        Assert.Equal(0, buffer.Dropped);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task LogWriter_Stopping_StoresWhatIsStillBuffered()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var buffer = new LogBuffer(1000);
        // A long gathering time: only the stop can have written them.
        var options = new LogsOptions { FlushInterval = TimeSpan.FromSeconds(10) };
        using var writer = new LogWriter(dataSource, buffer, Options.Create(options), new OrchestratorInstance(), TimeProvider.System, NullLogger<LogWriter>.Instance);
        await writer.StartAsync(ct);
        for (var i = 1; i <= 3; i++)
        {
            Assert.True(buffer.TryAdd(LogWatchTests.Entry("worker stop", ProtoLogLevel.Error, $"s{i}")));
        }

        await writer.StopAsync(ct);

        // Completed, not faulted; it may be Canceled: .NET 10 starts ExecuteAsync on the thread pool with the stopping
        // token, so a stop that comes first never runs the loop at all (StopAsync stores the buffer either way).
        Assert.True(writer.ExecuteTask!.IsCompleted && !writer.ExecuteTask.IsFaulted, writer.ExecuteTask.Exception?.ToString());
        Assert.Equal(["s1", "s2", "s3"], (await ReadAsync(dataSource, ct)).Select(r => r.Message));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task LogWriter_TextPostgresCannotStore_StoredCleaned()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var buffer = new LogBuffer(100);
        using var writer = new LogWriter(dataSource, buffer, Options.Create(LogWatchTests.FastWriter()), new OrchestratorInstance(), TimeProvider.System, NullLogger<LogWriter>.Instance);
        await writer.StartAsync(ct);

        Assert.True(buffer.TryAdd(LogWatchTests.Entry("worker text", ProtoLogLevel.Error, PendingLogEntry.Storable("nul\0 and \uD800 lone", 100))));
        var stored = await ReadUntilAsync(dataSource, rows => rows.Count >= 1, ct);
        await writer.StopAsync(ct);

        Assert.Equal("nul\uFFFD and \uFFFD lone", Assert.Single(stored).Message);
    }

    [Fact(Timeout = 120_000)]
    public async Task LogWriter_DatabaseDownLongerThanARefusedBatchIsTried_HoldsTheEntriesAndStoresThemWhenItIsBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(ct);
        await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString("log-outage-test"));
        await new MigrationRunner(dataSource, TimeProvider.System, NullLogger<MigrationRunner>.Instance).RunAsync(Migration.Embedded, ct);
        var buffer = new LogBuffer(100);
        using var writer = new LogWriter(dataSource, buffer, Options.Create(LogWatchTests.FastWriter()), new OrchestratorInstance(), TimeProvider.System, NullLogger<LogWriter>.Instance);
        await writer.StartAsync(ct);
        Assert.True(buffer.TryAdd(LogWatchTests.Entry("worker outage", ProtoLogLevel.Information, "before")));
        await ReadUntilAsync(dataSource, rows => rows.Count == 1, ct);

        await cluster.Server.StopAsync(ct);
        for (var i = 1; i <= 3; i++)
        {
            Assert.True(buffer.TryAdd(LogWatchTests.Entry("worker outage", ProtoLogLevel.Critical, $"during {i}")));
        }

        // Longer than a refused batch's three tries a second apart: before, the writer dropped the batch here.
        await Task.Delay(TimeSpan.FromSeconds(4), ct);
        await cluster.Server.StartAsync(ct);
        await ReadUntilAsync(dataSource, rows => rows.Count >= 4, ct);
        await writer.StopAsync(ct);

        Assert.Equal(["before", "during 1", "during 2", "during 3"], (await ReadAsync(dataSource, ct)).Select(r => r.Message));
        Assert.Equal(0, buffer.Dropped);
    }

    [Fact]
    public void WorkerLogIntake_EntriesOfAConnection_StampedWithItsWorkerIdWhateverTheyContain()
    {
        var buffer = new LogBuffer(1000);
        var intake = new WorkerLogIntake(buffer, TimeProvider.System);
        var logs = new WorkerLogs { Dropped = 7 };
        logs.Entries.Add(new WorkerLogEntry
        {
            Time = Timestamp.FromDateTimeOffset(TimeProvider.System.GetUtcNow().AddSeconds(-3)),
            Level = ProtoLogLevel.Error,
            Category = "worker 00000000-0000-0000-0000-000000000002",
            Message = "source: worker 00000000-0000-0000-0000-000000000002",
            Exception = new string('x', 20_000),
        });
        logs.Entries.Add(new WorkerLogEntry { Level = ProtoLogLevel.Unspecified, Message = new string('m', 10_000) });
        logs.Entries.AddRange(Enumerable.Range(1, 600).Select(i => new WorkerLogEntry { Level = ProtoLogLevel.Warning, Message = $"w{i}" }));

        intake.Accept("00000000-0000-0000-0000-000000000001", logs);
        var entries = new List<PendingLogEntry>();
        while (buffer.Reader.TryRead(out var entry))
        {
            entries.Add(entry);
        }

        Assert.Equal(501, entries.Count);
        Assert.All(entries, e => Assert.Equal("worker 00000000-0000-0000-0000-000000000001", e.Source));
        Assert.Equal(ProtoLogLevel.Error, entries[0].Level);
        Assert.Equal(WorkerLogIntake.MaxExceptionChars, entries[0].Exception.Length);
        Assert.True(Math.Abs((entries[0].At - TimeProvider.System.GetUtcNow().AddSeconds(-3)).TotalSeconds) < 2);
        Assert.Equal(ProtoLogLevel.Information, entries[1].Level);
        Assert.Equal(WorkerLogIntake.MaxMessageChars, entries[1].Message.Length);
        Assert.Equal("w498", entries[499].Message);
        Assert.StartsWith("109 log entries of this worker were dropped", entries[500].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerLogEntry_Fields_NameNoWorkerOrSource()
    {
        // The only worker id an entry can have is its connection's: the message has nowhere to claim another.
        Assert.Equal(["time", "level", "category", "message", "exception"], WorkerLogEntry.Descriptor.Fields.InFieldNumberOrder().Select(f => f.Name));
        Assert.Equal(["entries", "dropped"], WorkerLogs.Descriptor.Fields.InFieldNumberOrder().Select(f => f.Name));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task LogRetention_OldEntriesAndBeyondTheCount_Deleted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var now = TimeProvider.System.GetUtcNow();
        // Positions follow insertion: 5 old ones first, then 20 recent ones.
        await InsertAsync(dataSource, Enumerable.Range(1, 5).Select(i => (now.AddDays(-8).AddMinutes(i), $"old{i}")), ct);
        await InsertAsync(dataSource, Enumerable.Range(1, 20).Select(i => (now.AddMinutes(-30 + i), $"new{i}")), ct);
        var retention = new LogRetention(dataSource);

        var byAge = await retention.PruneAsync(now.AddDays(-7), keep: 1000, ct);
        var afterAge = (await ReadAsync(dataSource, ct)).Select(r => r.Message).ToList();
        var byCount = await retention.PruneAsync(now.AddDays(-7), keep: 12, ct);
        var afterCount = (await ReadAsync(dataSource, ct)).Select(r => r.Message).ToList();
        var again = await retention.PruneAsync(now.AddDays(-7), keep: 12, ct);

        Assert.Equal(5, byAge);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"new{i}"), afterAge);
        Assert.Equal(8, byCount);
        Assert.Equal(Enumerable.Range(9, 12).Select(i => $"new{i}"), afterCount);
        Assert.Equal(0, again);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task LogRetention_LargeLog_FindsWhatToDeleteThroughIndexesNotAWholeTableScan()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        // 50,000 entries a minute apart, the oldest 10 past the cutoff: a run of retention that removes little.
        await using (var fill = dataSource.CreateCommand(
            """
            INSERT INTO log_entries (at, level, source, category, message)
            SELECT now() - make_interval(mins => 50000 - n), 4, 'worker retention', 'test', 'e' || n
            FROM generate_series(1, 50000) AS n;
            ANALYZE log_entries;
            """))
        {
            await fill.ExecuteNonQueryAsync(ct);
        }

        await using var explain = dataSource.CreateCommand($"EXPLAIN (FORMAT JSON) {LogRetention.PruneSql}");
        explain.Parameters.AddWithValue("cutoff", TimeProvider.System.GetUtcNow().AddMinutes(-49_990));
        explain.Parameters.AddWithValue("keep", 100_000);
        var plan = (string)(await explain.ExecuteScalarAsync(ct))!;

        Assert.DoesNotContain("\"Seq Scan\"", plan, StringComparison.Ordinal);
        Assert.Contains("log_entries_by_time", plan, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task LogRetention_EmptyLog_DeletesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));

        Assert.Equal(0, await new LogRetention(dataSource).PruneAsync(TimeProvider.System.GetUtcNow(), keep: 1, ct));
    }

    private static async Task InsertAsync(NpgsqlDataSource dataSource, IEnumerable<(DateTimeOffset At, string Message)> rows, CancellationToken cancellationToken)
    {
        foreach (var (at, message) in rows)
        {
            await using var command = dataSource.CreateCommand(
                "INSERT INTO log_entries (at, level, source, category, message) VALUES (@at, 4, 'worker retention', 'test', @message)");
            command.Parameters.AddWithValue("at", at);
            command.Parameters.AddWithValue("message", message);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task<List<StoredRow>> ReadUntilAsync(NpgsqlDataSource dataSource, Func<List<StoredRow>, bool> done, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(20));
        while (true)
        {
            var rows = await ReadAsync(dataSource, bound.Token);
            if (done(rows))
            {
                return rows;
            }

            await Task.Delay(20, bound.Token);
        }
    }

    private static async Task<List<StoredRow>> ReadAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var rows = new List<StoredRow>();
        await using var command = dataSource.CreateCommand("SELECT position, level, source, message FROM log_entries ORDER BY position");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new StoredRow(reader.GetInt64(0), reader.GetInt16(1), reader.GetString(2), reader.GetString(3)));
        }

        return rows;
    }

    private sealed record StoredRow(long Position, short Level, string Source, string Message);
}
