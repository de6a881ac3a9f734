using DevServer.DiskCleanup;
using DevServer.Vendors.Core.Git;

namespace DevServer.Vendors.Core.Tests.Git;

/// <summary>The workspace cleanup on real clone caches and real worktrees made by <see cref="Workspace"/>.</summary>
public sealed class WorkspaceCleanupTests : IDisposable
{
    private const long NoCap = long.MaxValue;
    private readonly string _root = TempFolder.Create("workspace-cleanup");
    private readonly DateTimeOffset _now = TimeProvider.System.GetUtcNow();

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    private string Cache => Path.Combine(_root, "cache", "sample.git");

    public void Dispose() => TempFolder.Delete(_root);

    [Fact(Timeout = 60_000)]
    public async Task CleanAsync_WorktreeUnusedPastMaxAge_RemovedAndGitForgetsIt()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var old = await PrepareAsync(workspace, source, "task-1");
        var recent = await PrepareAsync(workspace, source, "task-2");
        LastUsed(old, _now.AddDays(-8));
        LastUsed(recent, _now.AddHours(-1));
        var leftover = Path.Combine(_root, "tmp", "series-leftover");
        Directory.CreateDirectory(Path.GetDirectoryName(leftover)!);
        await File.WriteAllTextAsync(leftover, "x", TestToken);
        File.SetLastWriteTimeUtc(leftover, _now.AddDays(-8).UtcDateTime);

        var report = await workspace.CleanAsync(Options(TimeSpan.FromDays(7), NoCap), _ => false, _now, TestToken);

        Assert.Equal([old, leftover], report.Removed.Select(r => r.Candidate.Path));
        Assert.All(report.Removed, r => Assert.Equal(CleanupReason.Expired, r.Reason));
        Assert.False(Directory.Exists(old));
        Assert.True(Directory.Exists(recent));
        Assert.True(Directory.Exists(Cache));
        var listed = await SourceRepository.GitAsync(Cache, TestToken, "worktree", "list", "--porcelain");
        Assert.DoesNotContain(old, listed, StringComparison.Ordinal);
        Assert.Contains(recent, listed, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Cache, "worktrees", "task-1")));
        Assert.Empty(report.Failures);
    }

    [Fact(Timeout = 60_000)]
    public async Task CleanAsync_CacheUnusedPastMaxAge_RemovedAfterItsWorktrees()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var worktree = await PrepareAsync(workspace, source, "task-1");
        LastUsed(worktree, _now.AddDays(-9));
        File.SetLastWriteTimeUtc(Path.Combine(Cache, "FETCH_HEAD"), _now.AddDays(-10).UtcDateTime);

        var report = await workspace.CleanAsync(Options(TimeSpan.FromDays(7), NoCap), _ => false, _now, TestToken);

        Assert.Equal([worktree, Cache], report.Removed.Select(r => r.Candidate.Path));
        Assert.False(Directory.Exists(Cache));
        Assert.Equal(0, report.BytesAfter);
        Assert.True(report.BytesFreed > 0);
        var again = await workspace.PrepareWorktreeAsync(source.Source, "main", "", "task-1", null, null, TestToken);
        Assert.True(again.Succeeded, again.Error);
    }

    [Fact(Timeout = 60_000)]
    public async Task CleanAsync_OverTheCap_LeastRecentlyUsedGoFirstUntilItFits()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var oldest = await PrepareAsync(workspace, source, "task-1");
        var middle = await PrepareAsync(workspace, source, "task-2");
        var newest = await PrepareAsync(workspace, source, "task-3");
        await File.WriteAllTextAsync(Path.Combine(middle, "big.bin"), new string('m', 50_000), TestToken);
        LastUsed(middle, _now.AddDays(-2));
        LastUsed(oldest, _now.AddDays(-3));
        LastUsed(newest, _now.AddDays(-1));
        var total = DiskUsage.Bytes(oldest) + DiskUsage.Bytes(middle) + DiskUsage.Bytes(newest) + DiskUsage.Bytes(Cache);
        // Fits once the two least recently used are gone, not after the first alone.
        var cap = total - DiskUsage.Bytes(oldest) - DiskUsage.Bytes(middle);

        var report = await workspace.CleanAsync(Options(TimeSpan.FromDays(7), cap), _ => false, _now, TestToken);

        Assert.Equal([oldest, middle], report.Removed.Select(r => r.Candidate.Path));
        Assert.All(report.Removed, r => Assert.Equal(CleanupReason.OverCap, r.Reason));
        Assert.Equal(total, report.BytesBefore);
        Assert.Equal(cap, report.BytesAfter);
        Assert.True(Directory.Exists(newest));
        Assert.True(Directory.Exists(Cache));
        var listed = await SourceRepository.GitAsync(Cache, TestToken, "worktree", "list", "--porcelain");
        Assert.DoesNotContain(oldest, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(middle, listed, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task CleanAsync_WorktreeOfAnAssignmentInProgress_SurvivesAgeAndCapWithItsCache()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var active = await PrepareAsync(workspace, source, "task-42");
        var finished = await PrepareAsync(workspace, source, "task-7");
        LastUsed(active, _now.AddDays(-30));
        LastUsed(finished, _now.AddDays(-20));
        File.SetLastWriteTimeUtc(Path.Combine(Cache, "FETCH_HEAD"), _now.AddDays(-30).UtcDateTime);
        var asked = new List<string>();

        var report = await workspace.CleanAsync(
            Options(TimeSpan.FromDays(7), 1),
            path =>
            {
                asked.Add(path);
                return path == "worktrees/task-42";
            },
            _now,
            TestToken);

        Assert.Equal([finished], report.Removed.Select(r => r.Candidate.Path));
        Assert.True(File.Exists(Path.Combine(active, "README.md")));
        Assert.Equal("", await SourceRepository.GitAsync(active, TestToken, "status", "--porcelain"));
        Assert.Contains(active, await SourceRepository.GitAsync(Cache, TestToken, "worktree", "list", "--porcelain"), StringComparison.Ordinal);
        Assert.Equal(["worktrees/task-42", "worktrees/task-7", "cache/sample.git"], asked);
    }

    [Fact(Timeout = 60_000)]
    public async Task CleanAsync_CacheLockHeld_CacheAndItsWorktreesSurviveUntilReleased()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var worktree = await PrepareAsync(workspace, source, "task-1");
        LastUsed(worktree, _now.AddDays(-9));
        File.SetLastWriteTimeUtc(Path.Combine(Cache, "FETCH_HEAD"), _now.AddDays(-10).UtcDateTime);
        var cacheLock = Workspace.CacheLock(Cache);
        await cacheLock.WaitAsync(TestToken);
        WorkspaceCleanupReport whileHeld;
        try
        {
            whileHeld = await workspace.CleanAsync(Options(TimeSpan.FromDays(7), 1), _ => false, _now, TestToken);
        }
        finally
        {
            cacheLock.Release();
        }

        Assert.Empty(whileHeld.Removed);
        Assert.True(Directory.Exists(worktree));
        Assert.True(File.Exists(Path.Combine(Cache, "HEAD")));

        var afterwards = await workspace.CleanAsync(Options(TimeSpan.FromDays(7), 1), _ => false, _now, TestToken);

        Assert.Equal([worktree, Cache], afterwards.Removed.Select(r => r.Candidate.Path));
    }

    [Fact(Timeout = 60_000)]
    public async Task CleanAsync_CacheFolderEntries_RemovedByAgeUnlessInUse()
    {
        var workspace = new Workspace(_root);
        var old = Entry("results", "old", _now.AddDays(-8));
        var held = Entry("results", "held", _now.AddDays(-8));
        var fresh = Entry("results", "fresh", _now.AddDays(-1));
        var options = Options(TimeSpan.FromDays(7), NoCap);
        options.CacheFolders.Add("results");

        var report = await workspace.CleanAsync(options, path => path == "results/held", _now, TestToken);

        Assert.Equal([old], report.Removed.Select(r => r.Candidate.Path));
        Assert.True(Directory.Exists(held));
        Assert.True(Directory.Exists(fresh));
    }

    [Fact(Timeout = 10_000)]
    public async Task CleanAsync_Cancelled_ThrowsAndRemovesNothing()
    {
        var workspace = new Workspace(_root);
        var old = Entry("results", "old", _now.AddDays(-8));
        var options = Options(TimeSpan.FromDays(7), NoCap);
        options.CacheFolders.Add("results");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => workspace.CleanAsync(options, _ => false, _now, new CancellationToken(true)));

        Assert.True(Directory.Exists(old));
    }

    private static WorkspaceCleanupOptions Options(TimeSpan maxAge, long maxBytes) => new() { MaxAge = maxAge, MaxDiskBytes = maxBytes };

    private static async Task<string> PrepareAsync(Workspace workspace, SourceRepository source, string name)
    {
        var prepared = await workspace.PrepareWorktreeAsync(source.Source, "main", "", name, null, null, TestToken);
        Assert.True(prepared.Succeeded, prepared.Error);
        return prepared.Path;
    }

    // What the cleanup reads as a worktree's last use: its folder and its registration (folder, index, HEAD).
    private static void LastUsed(string worktree, DateTimeOffset when)
    {
        var time = when.UtcDateTime;
        var registration = File.ReadAllText(Path.Combine(worktree, ".git"))["gitdir: ".Length..].Trim();
        File.SetLastWriteTimeUtc(Path.Combine(registration, "index"), time);
        File.SetLastWriteTimeUtc(Path.Combine(registration, "HEAD"), time);
        Directory.SetLastWriteTimeUtc(registration, time);
        Directory.SetLastWriteTimeUtc(worktree, time);
    }

    private string Entry(string folder, string name, DateTimeOffset when)
    {
        var path = Directory.CreateDirectory(Path.Combine(_root, folder, name)).FullName;
        File.WriteAllText(Path.Combine(path, "result.json"), "{}");
        Directory.SetLastWriteTimeUtc(path, when.UtcDateTime);
        return path;
    }
}
