using DevServer.Contracts.Logs.V1;
using DevServer.Orchestrator.Logs;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Orchestrator.Tests.Tasks;
using Microsoft.Extensions.Logging;
using Rpc;
using ProtoLogLevel = DevServer.Contracts.Logs.V1.LogLevel;

namespace DevServer.Orchestrator.Tests.Logs;

/// <summary>
/// LogService.WatchLogs on real Kestrel and a real database: live entries from the orchestrator's own loggers, the tail
/// with filters, resuming after a position, and writers of several instances committing at once.
/// </summary>
public sealed partial class LogWatchTests(PostgresFixture postgres)
{
    private const int TimeoutMs = 90_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchLogs_WarningLoggedAfterTheWatchStarted_ArrivesLiveWithTheInstanceSource()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await LogsHost.StartAsync(postgres, ct);
        using var watch = host.Logs.WatchLogs(new WatchLogsRequest { AfterPosition = -1 }, cancellationToken: ct);
        await watch.ResponseHeadersAsync;

        var failure = new InvalidOperationException("the disk is full");
        LogSample(host.Logger("DevServer.Orchestrator.Tests.Sample"), "live-1", failure);
        var entries = await LogStreams.ReadUntilAsync(watch, e => e.Any(x => x.Message.Contains("live-1", StringComparison.Ordinal)), ct);

        var entry = Assert.Single(entries, e => e.Message.Contains("live-1", StringComparison.Ordinal));
        Assert.Equal("Sample warning live-1", entry.Message);
        Assert.Equal(ProtoLogLevel.Warning, entry.Level);
        Assert.Equal(host.Source, entry.Source);
        Assert.StartsWith("orchestrator ", entry.Source, StringComparison.Ordinal);
        Assert.Equal("DevServer.Orchestrator.Tests.Sample", entry.Category);
        Assert.Equal(failure.ToString(), entry.Exception);
        Assert.True(entry.Position > 0);
        Assert.True(Math.Abs((entry.Time.ToDateTimeOffset() - TimeProvider.System.GetUtcNow()).TotalMinutes) < 5, entry.Time.ToString());
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchLogs_OverGrpcWeb_TailThenLiveEntries()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await LogsHost.StartAsync(postgres, ct);
        var buffer = await host.StartWriterAsync(FastWriter(), ct);
        Assert.True(buffer.TryAdd(Entry("worker web", ProtoLogLevel.Warning, "before")));
        await WaitForStoredAsync(host, "worker web", 1, ct);
        using var watch = host.WebLogs.WatchLogs(new WatchLogsRequest { SourcePrefix = "worker web" }, cancellationToken: ct);

        var tail = await LogStreams.ReadUntilAsync(watch, e => e.Count >= 1, ct);
        Assert.True(buffer.TryAdd(Entry("worker web", ProtoLogLevel.Error, "after")));
        var live = await LogStreams.ReadUntilAsync(watch, e => e.Count >= 1, ct);

        Assert.Equal(["before"], tail.Select(e => e.Message));
        Assert.Equal(["after"], live.Select(e => e.Message));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchLogs_BelowTheMinimumLevelAndExcludedCategories_NotStored()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await LogsHost.StartAsync(postgres, ct, new Dictionary<string, string?> { ["Orchestrator:Logs:MinimumLevel"] = "Warning" });
        using var watch = host.Logs.WatchLogs(new WatchLogsRequest { AfterPosition = -1, MinLevel = ProtoLogLevel.Trace }, cancellationToken: ct);
        await watch.ResponseHeadersAsync;

        var sample = host.Logger("DevServer.Orchestrator.Tests.Sample");
        LogInformationSample(sample, "quiet");
        LogSample(host.Logger("Npgsql.Connection"), "npgsql", null);
        LogSample(host.Logger("DevServer.Orchestrator.Logs.LogWriter"), "writer", null);
        LogSample(host.Logger("DevServer.Orchestrator.LogsOther"), "marker", null);
        var entries = await LogStreams.ReadUntilAsync(watch, e => e.Any(x => x.Message.EndsWith("marker", StringComparison.Ordinal)), ct);

        Assert.Equal(["Sample warning marker"], entries.Select(e => e.Message));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchLogs_TailWithLevelAndSourceFilters_LatestMatchingEntriesOldestFirstThenLive()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await LogsHost.StartAsync(postgres, ct);
        var buffer = await host.StartWriterAsync(FastWriter(), ct);
        for (var i = 1; i <= 10; i++)
        {
            Assert.True(buffer.TryAdd(Entry("worker tail-a", i % 2 == 0 ? ProtoLogLevel.Error : ProtoLogLevel.Information, $"a{i}")));
            Assert.True(buffer.TryAdd(Entry("worker tail-b", ProtoLogLevel.Critical, $"b{i}")));
        }

        await WaitForStoredAsync(host, "worker tail-", 20, ct);

        using var watch = host.Logs.WatchLogs(
            new WatchLogsRequest { AfterPosition = 0, Tail = 3, MinLevel = ProtoLogLevel.Error, SourcePrefix = "worker tail-a" }, cancellationToken: ct);
        var tail = await LogStreams.ReadUntilAsync(watch, e => e.Count >= 3, ct);
        await watch.ResponseHeadersAsync;
        Assert.True(buffer.TryAdd(Entry("worker tail-a", ProtoLogLevel.Information, "a-live-info")));
        Assert.True(buffer.TryAdd(Entry("worker tail-b", ProtoLogLevel.Critical, "b-live")));
        Assert.True(buffer.TryAdd(Entry("worker tail-a", ProtoLogLevel.Warning, "a-live-warning")));
        Assert.True(buffer.TryAdd(Entry("worker tail-a", ProtoLogLevel.Critical, "a-live-critical")));
        var live = await LogStreams.ReadUntilAsync(watch, e => e.Count >= 1, ct);

        Assert.Equal(["a6", "a8", "a10"], tail.Select(e => e.Message));
        Assert.All(tail, e => Assert.Equal(ProtoLogLevel.Error, e.Level));
        Assert.True(tail[0].Position < tail[1].Position && tail[1].Position < tail[2].Position);
        Assert.Equal(["a-live-critical"], live.Select(e => e.Message));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchLogs_MinLevelUnspecified_MeansInformation()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await LogsHost.StartAsync(postgres, ct);
        var buffer = await host.StartWriterAsync(FastWriter(), ct);
        Assert.True(buffer.TryAdd(Entry("worker levels", ProtoLogLevel.Debug, "debug")));
        Assert.True(buffer.TryAdd(Entry("worker levels", ProtoLogLevel.Information, "information")));
        Assert.True(buffer.TryAdd(Entry("worker levels", ProtoLogLevel.Trace, "trace")));
        Assert.True(buffer.TryAdd(Entry("worker levels", ProtoLogLevel.Warning, "warning")));
        await WaitForStoredAsync(host, "worker levels", 4, ct);

        using var watch = host.Logs.WatchLogs(new WatchLogsRequest { SourcePrefix = "worker levels" }, cancellationToken: ct);
        var entries = await LogStreams.ReadUntilAsync(watch, e => e.Count >= 2, ct);
        entries.AddRange(await LogStreams.ReadForAsync(watch, TimeSpan.FromMilliseconds(500), ct));

        Assert.Equal(["information", "warning"], entries.Select(e => e.Message));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchLogs_AfterAPosition_SendsTheRestOnceThenLiveWithoutRepeats()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await LogsHost.StartAsync(postgres, ct);
        var buffer = await host.StartWriterAsync(FastWriter(), ct);
        for (var i = 1; i <= 10; i++)
        {
            Assert.True(buffer.TryAdd(Entry("worker resume", ProtoLogLevel.Warning, $"m{i}")));
        }

        await WaitForStoredAsync(host, "worker resume", 10, ct);
        List<LogEntry> first;
        using (var watch = host.Logs.WatchLogs(new WatchLogsRequest { Tail = 10, SourcePrefix = "worker resume" }, cancellationToken: ct))
        {
            first = await LogStreams.ReadUntilAsync(watch, e => e.Count >= 10, ct);
        }

        using var resumed = host.Logs.WatchLogs(
            new WatchLogsRequest { AfterPosition = first[3].Position, SourcePrefix = "worker resume" }, cancellationToken: ct);
        var rest = await LogStreams.ReadUntilAsync(resumed, e => e.Count >= 6, ct);
        for (var i = 11; i <= 13; i++)
        {
            Assert.True(buffer.TryAdd(Entry("worker resume", ProtoLogLevel.Warning, $"m{i}")));
        }

        var live = await LogStreams.ReadUntilAsync(resumed, e => e.Count >= 3, ct);
        live.AddRange(await LogStreams.ReadForAsync(resumed, TimeSpan.FromSeconds(1), ct));

        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"m{i}"), first.Select(e => e.Message));
        Assert.Equal(first.Skip(4).Select(e => e.Position), rest.Select(e => e.Position));
        Assert.Equal(["m11", "m12", "m13"], live.Select(e => e.Message));
        Assert.True(live[0].Position > rest[^1].Position);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchLogs_AnnounceCaughtUp_TailThenOneCaughtUpWithoutEntriesThenLive()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await LogsHost.StartAsync(postgres, ct);
        var buffer = await host.StartWriterAsync(FastWriter(), ct);
        for (var i = 1; i <= 3; i++)
        {
            Assert.True(buffer.TryAdd(Entry("worker caught up", ProtoLogLevel.Warning, $"m{i}")));
        }

        await WaitForStoredAsync(host, "worker caught up", 3, ct);
        using var watch = host.Logs.WatchLogs(new WatchLogsRequest { SourcePrefix = "worker caught up", AnnounceCaughtUp = true }, cancellationToken: ct);
        var messages = new List<WatchLogsResponse>();
        while (messages.Count == 0 || !messages[^1].CaughtUp)
        {
            Assert.True(await watch.ResponseStream.MoveNext(ct));
            messages.Add(watch.ResponseStream.Current);
        }

        Assert.True(buffer.TryAdd(Entry("worker caught up", ProtoLogLevel.Warning, "m4")));
        var live = await LogStreams.ReadUntilAsync(watch, e => e.Count >= 1, ct);

        Assert.Equal(["m1", "m2", "m3"], messages.SelectMany(m => m.Entries).Select(e => e.Message));
        Assert.Empty(messages[^1].Entries);
        Assert.Single(messages, m => m.CaughtUp);
        Assert.Equal(["m4"], live.Select(e => e.Message));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchLogs_AnnounceCaughtUpOnlyNewEntries_CaughtUpFirst()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await LogsHost.StartAsync(postgres, ct);
        using var watch = host.Logs.WatchLogs(new WatchLogsRequest { AfterPosition = -1, SourcePrefix = "worker none yet", AnnounceCaughtUp = true }, cancellationToken: ct);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(LogStreams.ReadTimeout);

        // Nothing matches, so without the announcement this read would wait for the first matching entry.
        Assert.True(await watch.ResponseStream.MoveNext(bound.Token));

        Assert.True(watch.ResponseStream.Current.CaughtUp);
        Assert.Empty(watch.ResponseStream.Current.Entries);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchLogs_TwoInstancesCommittingConcurrently_WatcherGetsEveryEntryOnceInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        const int PerWriter = 1500;
        await using var host = await LogsHost.StartAsync(postgres, ct);
        // Small batches, flushed at once: many transactions of the two writers overlap.
        var options = new LogsOptions { FlushInterval = TimeSpan.FromMilliseconds(1), BatchSize = 7, BufferCapacity = 10_000 };
        var first = await host.StartWriterAsync(options, ct);
        var second = await host.StartWriterAsync(options, ct);
        using var watch = host.Logs.WatchLogs(new WatchLogsRequest { AfterPosition = -1, SourcePrefix = "worker race-" }, cancellationToken: ct);
        await watch.ResponseHeadersAsync;

        await Task.WhenAll(FeedAsync(first, "worker race-a"), FeedAsync(second, "worker race-b"));
        await WaitForStoredAsync(host, "worker race-", 2 * PerWriter, ct);
        // Everything is committed: a watcher that missed nothing has it all within a read or two.
        var entries = await LogStreams.ReadUntilAsync(watch, e => e.Count >= 2 * PerWriter, ct, TimeSpan.FromSeconds(15));
        entries.AddRange(await LogStreams.ReadForAsync(watch, TimeSpan.FromSeconds(1), ct));

        Assert.Equal(2 * PerWriter, entries.Count);
        Assert.True(entries.Zip(entries.Skip(1)).All(pair => pair.First.Position < pair.Second.Position), "positions must increase");
        foreach (var source in new[] { "worker race-a", "worker race-b" })
        {
            Assert.Equal(Enumerable.Range(1, PerWriter).Select(i => $"n{i}"), entries.Where(e => e.Source == source).Select(e => e.Message));
        }

        async Task FeedAsync(LogBuffer buffer, string source)
        {
            for (var i = 1; i <= PerWriter; i++)
            {
                Assert.True(buffer.TryAdd(Entry(source, ProtoLogLevel.Warning, $"n{i}")));
                if (i % 5 == 0)
                {
                    await Task.Yield();
                }
            }
        }
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(-2, 0, ProtoLogLevel.Unspecified, "")]
    [InlineData(0, -1, ProtoLogLevel.Unspecified, "")]
    [InlineData(0, 5001, ProtoLogLevel.Unspecified, "")]
    [InlineData(0, 0, (ProtoLogLevel)7, "")]
    [InlineData(0, 0, ProtoLogLevel.Unspecified, "long")]
    public async Task WatchLogs_BadRequest_InvalidArgument(long after, int tail, ProtoLogLevel level, string prefix)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await LogsHost.StartAsync(postgres, ct);
        var request = new WatchLogsRequest { AfterPosition = after, Tail = tail, MinLevel = level, SourcePrefix = prefix == "long" ? new string('x', 257) : prefix };

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () =>
        {
            using var watch = host.Logs.WatchLogs(request, cancellationToken: ct);
            await watch.ResponseStream.MoveNext(ct);
        });
    }

    internal static LogsOptions FastWriter() => new() { FlushInterval = TimeSpan.FromMilliseconds(20) };

    internal static PendingLogEntry Entry(string source, ProtoLogLevel level, string message) =>
        new(TimeProvider.System.GetUtcNow(), level, source, "DevServer.Orchestrator.Tests.Logs", message, "");

    /// <summary>Polls the table until <paramref name="count"/> entries whose source starts with the prefix are stored.</summary>
    internal static async Task WaitForStoredAsync(LogsHost host, string sourcePrefix, int count, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(40));
        while (true)
        {
            await using var command = host.DataSource.CreateCommand("SELECT count(*) FROM log_entries WHERE starts_with(source, @prefix)");
            command.Parameters.AddWithValue("prefix", sourcePrefix);
            if ((long)(await command.ExecuteScalarAsync(bound.Token))! >= count)
            {
                return;
            }

            await Task.Delay(20, bound.Token);
        }
    }

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Sample warning {Name}")]
    private static partial void LogSample(ILogger logger, string name, Exception? exception);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Sample information {Name}")]
    private static partial void LogInformationSample(ILogger logger, string name);
}
