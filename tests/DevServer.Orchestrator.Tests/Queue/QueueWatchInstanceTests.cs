using System.Diagnostics;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Settings.V1;
using DevServer.Orchestrator.Queue;
using DevServer.Orchestrator.Tests.Infrastructure;
using Npgsql;
using Rpc;

namespace DevServer.Orchestrator.Tests.Queue;

/// <summary>
/// WatchQueue inside orchestrator instances the test can look into (<see cref="QueueHost"/>): what a cancelled watch
/// leaves behind, how changes are folded together, and changes made on another instance of the same database.
/// </summary>
public sealed class QueueWatchInstanceTests(PostgresFixture postgres)
{
    private const int TimeoutMs = 120_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_ClientsCancel_CallsEndCancelledAndNoWatchIsLeft()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await QueueHost.StartAsync(await postgres.CreateDatabaseAsync(ct), ct);
        var cancellations = Enumerable.Range(0, 8).Select(_ => CancellationTokenSource.CreateLinkedTokenSource(ct)).ToList();
        var readers = cancellations.Select(c => new QueueWatchReader(host.Queue.WatchQueue(new WatchQueueRequest(), cancellationToken: c.Token))).ToList();
        foreach (var reader in readers)
        {
            await reader.NextAsync(ct);
        }

        var open = host.Changes.WatchCount;
        foreach (var cancellation in cancellations)
        {
            await cancellation.CancelAsync();
        }

        foreach (var reader in readers)
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => reader.NextAsync(ct));
            Assert.Equal(StatusCode.Cancelled, error.StatusCode);
            reader.Dispose();
        }

        var left = await WaitForAsync(() => host.Changes.WatchCount, 0, ct);
        var after = new QueueWatchReader(host.Queue.WatchQueue(new WatchQueueRequest(), cancellationToken: ct));
        await after.NextAsync(ct);
        after.Dispose();
        var finallyLeft = await WaitForAsync(() => host.Changes.WatchCount, 0, ct);
        cancellations.ForEach(c => c.Dispose());

        Assert.Equal((8, 0, 0), (open, left, finallyLeft));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_ManyChangesInABurst_FoldedIntoAFewSnapshots()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await QueueHost.StartAsync(await postgres.CreateDatabaseAsync(ct), ct);
        using var watch = new QueueWatchReader(host.Queue.WatchQueue(new WatchQueueRequest(), cancellationToken: ct));
        await watch.NextAsync(ct);
        const int Changes = 40;

        var burstStarted = watch.Elapsed;
        for (var i = 1; i < Changes; i++)
        {
            await host.Queue.UpdateQueueAsync(new UpdateQueueRequest { MaxConcurrency = i % 9 + 1, Paused = i % 2 == 0 }, cancellationToken: ct);
        }

        // The only change to 10: the snapshot showing it is the one after the burst.
        await host.Queue.UpdateQueueAsync(new UpdateQueueRequest { MaxConcurrency = 10, Paused = true }, cancellationToken: ct);
        var burst = watch.Elapsed - burstStarted;
        var last = await watch.UntilAsync(s => s.Queue.MaxConcurrency == 10, ct);
        var window = watch.Received.Last().At - burstStarted;
        var messages = watch.Received.Count - 1;
        // At most one message per 250 ms, plus the one a change right at the start sends at once.
        var allowed = (int)(window / QueueApi.MinInterval) + 1;

        Assert.True(messages <= allowed, $"{messages} snapshots in {window.TotalMilliseconds:F0} ms (burst {burst.TotalMilliseconds:F0} ms); allowed {allowed}.");
        Assert.True(messages < Changes / 2, $"{messages} snapshots for {Changes} changes in {burst.TotalMilliseconds:F0} ms.");
        Assert.Equal((10, true), (last.Queue.MaxConcurrency, last.Queue.Paused));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_SettingsChangedOnAnotherInstance_SnapshotArrives()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await postgres.CreateDatabaseAsync(ct);
        await using var watched = await QueueHost.StartAsync(database, ct);
        await using var other = await QueueHost.StartAsync(database, ct);
        using var watch = new QueueWatchReader(watched.Queue.WatchQueue(new WatchQueueRequest(), cancellationToken: ct));
        var first = await watch.NextAsync(ct);

        await other.Settings.UpdateSettingsAsync(new UpdateSettingsRequest { QueuePaused = true, MaxConcurrency = 6 }, cancellationToken: ct);
        // Well before the 15 s heartbeat: it came because of the NOTIFY.
        var changed = await watch.NextAsync(ct, TimeSpan.FromSeconds(10));

        Assert.Equal((false, 2), (first.Queue.Paused, first.Queue.MaxConcurrency));
        Assert.Equal((true, 6), (changed.Queue.Paused, changed.Queue.MaxConcurrency));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_PauseEndsThenLeaseRunsOut_EachShownWithoutWaitingForTheIdleSnapshot()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = await postgres.CreateDatabaseAsync(ct);
        await using var host = await QueueHost.StartAsync(database, ct);
        // A worker whose orchestrator instance died (so nobody renews its lease or announces anything) and a pause of its
        // vendor: the pause ends in 2 s, the lease in 4 s, and nothing is written when they do.
        var now = TimeProvider.System.GetUtcNow();
        await using (var data = NpgsqlDataSource.Create(database))
        {
            await using var insert = data.CreateCommand(
                """
                INSERT INTO workers (id, name, kind, vendor, capacity, instance_id, lease_expires_at, last_seen_at, registered_at)
                VALUES ('orphan', 'orphan', 'vendor', 'script', 1, 'crashed-instance', @lease, @now, @now);
                INSERT INTO vendor_pauses (vendor, account, paused_until, paused_at) VALUES ('script', '', @pause, @now);
                """);
            insert.Parameters.AddWithValue("now", now);
            insert.Parameters.AddWithValue("pause", now.AddSeconds(2));
            insert.Parameters.AddWithValue("lease", now.AddSeconds(4));
            await insert.ExecuteNonQueryAsync(ct);
        }

        using var watch = new QueueWatchReader(host.Queue.WatchQueue(new WatchQueueRequest(), cancellationToken: ct));
        var first = (await watch.NextAsync(ct)).Workers.Single();
        var unpaused = (await watch.UntilAsync(s => s.Workers.Single().PausedUntil is null, ct)).Workers.Single();
        var unpausedAt = watch.Elapsed;
        var gone = (await watch.UntilAsync(s => !s.Workers.Single().Connected, ct)).Workers.Single();
        var goneAt = watch.Elapsed;

        Assert.Equal((true, true), (first.Connected, first.PausedUntil is not null));
        Assert.True(unpaused.Connected);
        Assert.Null(gone.PausedUntil);
        // The idle snapshot would come 15 s after the first; these came when the clock made them true.
        Assert.True(goneAt < QueueApi.MaxInterval - TimeSpan.FromSeconds(3), $"pause end shown after {unpausedAt}, lease end after {goneAt}");
    }

    /// <summary>Polls <paramref name="read"/> until it returns <paramref name="expected"/> (a watch is removed as its call unwinds) or 10 s pass.</summary>
    private static async Task<int> WaitForAsync(Func<int> read, int expected, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (read() != expected && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20, cancellationToken);
        }

        return read();
    }
}
