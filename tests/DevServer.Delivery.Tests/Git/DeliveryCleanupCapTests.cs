using DevServer.Delivery.Git;
using DevServer.DiskCleanup;

namespace DevServer.Delivery.Tests.Git;

/// <summary>The disk cap over worktrees and clone caches together, and what a running delivery holds.</summary>
public sealed class DeliveryCleanupCapTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    // Far beyond every last use below: only the cap removes anything.
    private static readonly TimeSpan WorktreeMaxAge = TimeSpan.FromDays(1);
    private static readonly TimeSpan CacheMaxAge = TimeSpan.FromDays(30);

    [Fact]
    public async Task CleanAsync_WorktreesAndCachesOverTheCap_LeastRecentlyUsedGoFirstUntilTheyFit()
    {
        using var fixture = new DeliveryFixture();
        var root = await RootAsync(fixture);
        // Least recently used first: a's worktree (5 h), its cache (fetched 5 h ago), b's worktree (3 h), b's cache
        // (fetched 4 h ago, but its worktree counts for it: 3 h), c's worktree (2 h), c's cache (1 h).
        Directory.SetLastWriteTimeUtc(root.WorktreeA, Hours(-5));
        File.SetLastWriteTimeUtc(Path.Combine(root.Caches, "a.git", "FETCH_HEAD"), Hours(-5));
        Directory.SetLastWriteTimeUtc(root.WorktreeB, Hours(-3));
        File.SetLastWriteTimeUtc(Path.Combine(root.Caches, "b.git", "FETCH_HEAD"), Hours(-4));
        Directory.SetLastWriteTimeUtc(root.WorktreeC, Hours(-2));
        File.SetLastWriteTimeUtc(Path.Combine(root.Caches, "c.git", "FETCH_HEAD"), Hours(-1));
        // The cap holds once a's worktree and cache and b's worktree are gone.
        var cap = Bytes(Path.Combine(root.Caches, "b.git"), root.WorktreeC, Path.Combine(root.Caches, "c.git"));
        var total = cap + Bytes(root.WorktreeA, Path.Combine(root.Caches, "a.git"), root.WorktreeB);

        var report = await Cleanup(fixture).CleanAsync(new DeliveryCleanupOptions(WorktreeMaxAge, CacheMaxAge, cap), fixture.Token);

        Assert.Equal([Path.GetFileName(root.WorktreeA), Path.GetFileName(root.WorktreeB)], report.RemovedWorktrees);
        Assert.Equal(["a.git"], report.RemovedCaches);
        Assert.Equal(total, report.BytesBefore);
        Assert.Equal(cap, report.BytesAfter);
        Assert.False(Directory.Exists(root.WorktreeB));
        Assert.DoesNotContain(root.WorktreeB, await DeliveryFixture.Git(Path.Combine(root.Caches, "b.git"), "worktree", "list"), StringComparison.Ordinal);
        Assert.True(Directory.Exists(root.WorktreeC));
        Assert.True(Directory.Exists(Path.Combine(root.Caches, "b.git")));
    }

    [Fact]
    public async Task CleanAsync_OverTheCapWhileADeliveryHoldsACache_ItsWorktreeAndCacheStayTheRestGoes()
    {
        using var fixture = new DeliveryFixture();
        var root = await RootAsync(fixture);
        // c is the least recently used of all, and a delivery of c is running (it holds c's cache for its whole length).
        Directory.SetLastWriteTimeUtc(root.WorktreeC, Hours(-9));
        File.SetLastWriteTimeUtc(Path.Combine(root.Caches, "c.git", "FETCH_HEAD"), Hours(-9));
        using var running = DeliveryCheckout.TryLock(Path.Combine(root.Caches, "c.git"));
        Assert.NotNull(running);

        var report = await Cleanup(fixture).CleanAsync(new DeliveryCleanupOptions(WorktreeMaxAge, CacheMaxAge, 1), fixture.Token);

        Assert.Equal([Path.GetFileName(root.WorktreeA), Path.GetFileName(root.WorktreeB)], report.RemovedWorktrees.Order(StringComparer.Ordinal));
        Assert.Equal(["a.git", "b.git"], report.RemovedCaches.Order(StringComparer.Ordinal));
        Assert.True(Directory.Exists(root.WorktreeC));
        Assert.True(File.Exists(Path.Combine(root.Caches, "c.git", "HEAD")));
        Assert.Equal(Bytes(root.WorktreeC, Path.Combine(root.Caches, "c.git")), report.BytesAfter);
    }

    private static DeliveryCleanup Cleanup(DeliveryFixture fixture) =>
        new(new GitDeliveryOptions(fixture.Sandbox.DeliveryRoot), new FixedTime(Now), new CapturingLogger<DeliveryCleanup>());

    private static DateTime Hours(int hours) => Now.UtcDateTime.AddHours(hours);

    private static long Bytes(params string[] paths) => paths.Sum(DiskUsage.Bytes);

    // Three repositories delivered once (their clone caches), each with a worktree a crashed delivery left behind.
    private static async Task<DeliveryRoot> RootAsync(DeliveryFixture fixture)
    {
        var caches = Path.Combine(fixture.Sandbox.DeliveryRoot, "cache");
        var worktrees = new List<string>();
        foreach (var name in new[] { "a", "b", "c" })
        {
            var (bare, commit) = await fixture.Sandbox.CreateRemoteAsync(name, new Dictionary<string, string> { ["a"] = $"{name}\n" });
            var series = await fixture.Sandbox.SeriesAsync(bare, commit, new Dictionary<string, string?> { ["b"] = "b\n" });
            var export = await fixture.Delivery.ExportPatchesAsync(new DeliveryRepository(name, bare, "main"), series, commit, fixture.Token);
            Assert.Equal(GitDeliveryStatus.Delivered, export.Outcome.Status);
            var worktree = Path.Combine(fixture.Sandbox.DeliveryRoot, "worktrees", $"{name}-{Guid.NewGuid():N}");
            await DeliveryFixture.Git(Path.Combine(caches, $"{name}.git"), "worktree", "add", "--detach", worktree, commit);
            worktrees.Add(worktree);
        }

        return new DeliveryRoot(caches, worktrees[0], worktrees[1], worktrees[2]);
    }

    private sealed record DeliveryRoot(string Caches, string WorktreeA, string WorktreeB, string WorktreeC);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
