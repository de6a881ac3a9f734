using DevServer.DiskCleanup;

namespace DevServer.Vendors.Core.Tests.DiskCleanup;

/// <summary>The shared selection policy on its own (the workspace and delivery tests run it on real folders).</summary>
public sealed class CleanupPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ApplyAsync_ExpiredThenOverCap_OldestFirstAndStopsWhenItFits()
    {
        CleanupCandidate[] candidates =
        [
            new("young", Now.AddHours(-1), 10),
            new("expired", Now.AddDays(-10), 1),
            new("older", Now.AddDays(-3), 20),
            new("old", Now.AddDays(-2), 30),
        ];
        var tried = new List<string>();

        var result = await CleanupPolicy.ApplyAsync(candidates, new CleanupLimits(TimeSpan.FromDays(7), 39), Now, Remove(tried), TestContext.Current.CancellationToken);

        Assert.Equal(["expired", "older", "old"], tried);
        Assert.Equal([("expired", CleanupReason.Expired), ("older", CleanupReason.OverCap), ("old", CleanupReason.OverCap)], result.Removed.Select(r => (r.Candidate.Path, r.Reason)));
        Assert.Equal(61, result.BytesBefore);
        Assert.Equal(10, result.BytesAfter);
        Assert.Equal(51, result.BytesFreed);
    }

    [Fact]
    public async Task ApplyAsync_CandidateInUse_StaysCountedAndTheNextGoes()
    {
        CleanupCandidate[] candidates = [new("busy", Now.AddDays(-3), 50), new("idle", Now.AddDays(-2), 50), new("new", Now, 50)];
        var tried = new List<string>();

        var result = await CleanupPolicy.ApplyAsync(candidates, new CleanupLimits(TimeSpan.FromDays(7), 100), Now, Remove(tried, refuse: "busy"), TestContext.Current.CancellationToken);

        Assert.Equal(["busy", "idle"], tried);
        Assert.Equal(["idle"], result.Removed.Select(r => r.Candidate.Path));
        Assert.Equal(100, result.BytesAfter);
    }

    [Fact]
    public async Task ApplyAsync_EqualTimes_KeepTheGivenOrder()
    {
        CleanupCandidate[] candidates = [new("cache", Now.AddDays(-1), 1), new("worktree", Now.AddDays(-1), 1)];
        var tried = new List<string>();

        await CleanupPolicy.ApplyAsync(candidates, CleanupLimits.AgeOnly(TimeSpan.FromHours(1)), Now, Remove(tried), TestContext.Current.CancellationToken);

        Assert.Equal(["cache", "worktree"], tried);
    }

    [Fact]
    public async Task ApplyAsync_Cancelled_ThrowsBeforeRemoving()
    {
        var tried = new List<string>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CleanupPolicy.ApplyAsync(
            [new CleanupCandidate("expired", Now.AddDays(-10), 1)], CleanupLimits.AgeOnly(TimeSpan.FromDays(1)), Now, Remove(tried), new CancellationToken(true)));

        Assert.Empty(tried);
    }

    private static Func<CleanupCandidate, CancellationToken, Task<bool>> Remove(List<string> tried, string? refuse = null) => (candidate, _) =>
    {
        tried.Add(candidate.Path);
        return Task.FromResult(candidate.Path != refuse);
    };
}
