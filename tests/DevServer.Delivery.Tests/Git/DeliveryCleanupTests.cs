using DevServer.Delivery.Git;

namespace DevServer.Delivery.Tests.Git;

public sealed class DeliveryCleanupTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task CleanAsync_StaleWorktreeOldCacheAndCap_RemovedRecentKept()
    {
        using var fixture = new DeliveryFixture();
        var options = new GitDeliveryOptions(fixture.Sandbox.DeliveryRoot);
        var (oldBare, oldBase) = await fixture.Sandbox.CreateRemoteAsync("old", new Dictionary<string, string> { ["a"] = "a\n" });
        var (newBare, newBase) = await fixture.Sandbox.CreateRemoteAsync("new", new Dictionary<string, string> { ["a"] = "a\n" });
        var oldSeries = await fixture.Sandbox.SeriesAsync(oldBare, oldBase, new Dictionary<string, string?> { ["b"] = "b\n" });
        var newSeries = await fixture.Sandbox.SeriesAsync(newBare, newBase, new Dictionary<string, string?> { ["b"] = "b\n" });
        await fixture.Delivery.ExportPatchesAsync(new DeliveryRepository("old", oldBare, "main"), oldSeries, oldBase, fixture.Token);
        await fixture.Delivery.ExportPatchesAsync(new DeliveryRepository("new", newBare, "main"), newSeries, newBase, fixture.Token);
        var cacheRoot = Path.Combine(fixture.Sandbox.DeliveryRoot, "cache");
        // A worktree a crashed delivery left behind in the recent cache, two days old.
        var leftover = Path.Combine(fixture.Sandbox.DeliveryRoot, "worktrees", $"new-{Guid.NewGuid():N}");
        await DeliveryFixture.Git(Path.Combine(cacheRoot, "new.git"), "worktree", "add", "--detach", leftover, newBase);
        Directory.SetLastWriteTimeUtc(leftover, Now.UtcDateTime.AddDays(-2));
        File.SetLastWriteTimeUtc(Path.Combine(cacheRoot, "old.git", "FETCH_HEAD"), Now.UtcDateTime.AddDays(-40));
        File.SetLastWriteTimeUtc(Path.Combine(cacheRoot, "new.git", "FETCH_HEAD"), Now.UtcDateTime.AddHours(-1));
        var cleanup = new DeliveryCleanup(options, new FixedTime(Now), new CapturingLogger<DeliveryCleanup>());

        var report = await cleanup.CleanAsync(new DeliveryCleanupOptions(TimeSpan.FromDays(1), TimeSpan.FromDays(30), long.MaxValue), fixture.Token);

        Assert.Equal([Path.GetFileName(leftover)], report.RemovedWorktrees);
        Assert.Equal(["old.git"], report.RemovedCaches);
        Assert.False(Directory.Exists(leftover));
        Assert.DoesNotContain(leftover, await DeliveryFixture.Git(Path.Combine(cacheRoot, "new.git"), "worktree", "list"), StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(cacheRoot, "new.git")));

        var capped = await cleanup.CleanAsync(new DeliveryCleanupOptions(TimeSpan.FromDays(1), TimeSpan.FromDays(30), 1), fixture.Token);

        Assert.Equal(["new.git"], capped.RemovedCaches);
        Assert.Equal(0, capped.BytesAfter);
        var again = await fixture.Delivery.ExportPatchesAsync(new DeliveryRepository("new", newBare, "main"), newSeries, newBase, fixture.Token);
        Assert.Equal(GitDeliveryStatus.Delivered, again.Outcome.Status);
    }

    [Fact]
    public async Task CleanAsync_CachesOverTheCap_LeastRecentlyFetchedGoesFirstUntilTheyFit()
    {
        using var fixture = new DeliveryFixture();
        var cacheRoot = Path.Combine(fixture.Sandbox.DeliveryRoot, "cache");
        foreach (var name in new[] { "first", "second", "third" })
        {
            var (bare, commit) = await fixture.Sandbox.CreateRemoteAsync(name, new Dictionary<string, string> { ["a"] = $"{name}\n" });
            var series = await fixture.Sandbox.SeriesAsync(bare, commit, new Dictionary<string, string?> { ["b"] = "b\n" });
            await fixture.Delivery.ExportPatchesAsync(new DeliveryRepository(name, bare, "main"), series, commit, fixture.Token);
        }

        // Fetched last: third, then first, then second. The cap holds once the two least recently fetched are gone.
        File.SetLastWriteTimeUtc(Path.Combine(cacheRoot, "second.git", "FETCH_HEAD"), Now.UtcDateTime.AddDays(-3));
        File.SetLastWriteTimeUtc(Path.Combine(cacheRoot, "first.git", "FETCH_HEAD"), Now.UtcDateTime.AddDays(-2));
        File.SetLastWriteTimeUtc(Path.Combine(cacheRoot, "third.git", "FETCH_HEAD"), Now.UtcDateTime.AddDays(-1));
        var third = DevServer.DiskCleanup.DiskUsage.Bytes(Path.Combine(cacheRoot, "third.git"));
        var cleanup = new DeliveryCleanup(new GitDeliveryOptions(fixture.Sandbox.DeliveryRoot), new FixedTime(Now), new CapturingLogger<DeliveryCleanup>());

        var report = await cleanup.CleanAsync(new DeliveryCleanupOptions(TimeSpan.FromDays(1), TimeSpan.FromDays(30), third), fixture.Token);

        Assert.Equal(["second.git", "first.git"], report.RemovedCaches);
        Assert.Equal(third, report.BytesAfter);
        Assert.True(Directory.Exists(Path.Combine(cacheRoot, "third.git")));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
