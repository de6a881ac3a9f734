using DevServer.Delivery.Git;

namespace DevServer.Delivery.Tests.Git;

public sealed class BranchFlowTests
{
    private static readonly Dictionary<string, string> Initial = new() { ["README.md"] = "# App\n", ["src/app.txt"] = "one\ntwo\nthree\n" };

    [Fact]
    public async Task PushBranch_NewBranch_PushedThenRepushIsUnchanged()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit,
            new Dictionary<string, string?> { ["src/app.txt"] = "one\ntwo\nthree\nfour\n" },
            new Dictionary<string, string?> { ["docs/new.md"] = "new\n" });
        var branch = BranchNames.ForTask(42, "Fix login bug");

        var first = await fixture.Delivery.PushBranchAsync(DeliveryFixture.Remote(bare), series, baseCommit, branch, fixture.Token);
        var second = await fixture.Delivery.PushBranchAsync(DeliveryFixture.Remote(bare), series, baseCommit, branch, fixture.Token);

        Assert.Equal(GitDeliveryStatus.Delivered, first.Status);
        Assert.Equal("refs/heads/agent/42-fix-login-bug", first.Ref);
        Assert.Equal(first.Commit, await DeliveryFixture.Git(bare, "rev-parse", "refs/heads/agent/42-fix-login-bug"));
        Assert.Equal(baseCommit, await DeliveryFixture.Git(bare, "rev-parse", "refs/heads/agent/42-fix-login-bug~2"));
        Assert.Equal("four", (await DeliveryFixture.Git(bare, "show", $"{first.Commit}:src/app.txt")).Split('\n')[^1]);
        Assert.Equal((GitDeliveryStatus.Unchanged, first.Commit), (second.Status, second.Commit));
        // Same commit id on every delivery: the committer date is the patch's author date, not the time of delivery.
        Assert.Equal("1577836800 DevServer <devserver@example.com>", await DeliveryFixture.Git(bare, "log", "-1", "--format=%ct %cn <%ce>", first.Commit));
        Assert.Equal(baseCommit, await DeliveryFixture.Git(bare, "rev-parse", "refs/heads/main"));
    }

    [Fact]
    public async Task PushBranch_NewSeriesForSameTask_ReplacesAgentBranch()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var branch = BranchNames.ForTask(3, "Retry");
        var firstSeries = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["a.txt"] = "first attempt\n" });
        var secondSeries = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["a.txt"] = "second attempt\n" });

        var first = await fixture.Delivery.PushBranchAsync(DeliveryFixture.Remote(bare), firstSeries, baseCommit, branch, fixture.Token);
        var second = await fixture.Delivery.PushBranchAsync(DeliveryFixture.Remote(bare), secondSeries, baseCommit, branch, fixture.Token);

        Assert.Equal(GitDeliveryStatus.Delivered, first.Status);
        Assert.Equal(GitDeliveryStatus.Delivered, second.Status);
        Assert.NotEqual(first.Commit, second.Commit);
        Assert.Equal("second attempt", await DeliveryFixture.Git(bare, "show", $"refs/heads/{branch}:a.txt"));
    }

    [Fact]
    public async Task PushBranch_ConcurrentDeliveriesOfOneRepository_BothDelivered()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var series = await Task.WhenAll(Enumerable.Range(1, 4).Select(i =>
            fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { [$"f{i}.txt"] = $"{i}\n" })));

        var outcomes = await Task.WhenAll(series.Select((s, i) =>
            fixture.Delivery.PushBranchAsync(DeliveryFixture.Remote(bare), s, baseCommit, $"agent/{i + 1}-parallel", fixture.Token)));

        Assert.All(outcomes, o => Assert.Equal(GitDeliveryStatus.Delivered, o.Status));
        Assert.Equal(
            ["agent/1-parallel", "agent/2-parallel", "agent/3-parallel", "agent/4-parallel"],
            (await DeliveryFixture.Git(bare, "branch", "--list", "--format=%(refname:short)", "agent/*")).Split('\n'));
        Assert.Empty(Directory.GetDirectories(Path.Combine(fixture.Sandbox.DeliveryRoot, "worktrees")));
    }

    [Fact]
    public async Task PushBranch_DefaultOrForeignBranch_Refused()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["a.txt"] = "a\n" });

        await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Delivery.PushBranchAsync(DeliveryFixture.Remote(bare), series, baseCommit, "main", fixture.Token));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Delivery.PushBranchAsync(DeliveryFixture.Remote(bare), series, baseCommit, "release/1.0", fixture.Token));
        Assert.Equal(baseCommit, await DeliveryFixture.Git(bare, "rev-parse", "refs/heads/main"));
    }

    [Fact]
    public async Task PushBranch_SeriesDoesNotApply_ApplyFailedNothingPushed()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var (otherBare, otherBase) = await fixture.Sandbox.CreateRemoteAsync("other", new Dictionary<string, string> { ["src/app.txt"] = "completely\ndifferent\n" });
        var foreign = await fixture.Sandbox.SeriesAsync(otherBare, otherBase, new Dictionary<string, string?> { ["src/app.txt"] = "completely\nchanged\n" });

        var outcome = await fixture.Delivery.PushBranchAsync(DeliveryFixture.Remote(bare), foreign, baseCommit, "agent/1-x", fixture.Token);

        Assert.Equal(GitDeliveryStatus.ApplyFailed, outcome.Status);
        Assert.Equal(string.Empty, (await DeliveryFixture.Git(bare, "branch", "--list", "agent/*")).Trim());
    }

    [Fact]
    public async Task PushBranch_UnknownBaseOrEmptySeries_ValuesNotExceptions()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);

        var unknown = await fixture.Delivery.PushBranchAsync(DeliveryFixture.Remote(bare), "x"u8.ToArray(), new string('1', 40), "agent/1-x", fixture.Token);
        var notHash = await fixture.Delivery.PushBranchAsync(DeliveryFixture.Remote(bare), "x"u8.ToArray(), "--upload-pack=evil", "agent/1-x", fixture.Token);
        var empty = await fixture.Delivery.PushBranchAsync(DeliveryFixture.Remote(bare), Array.Empty<byte>(), baseCommit, "agent/1-x", fixture.Token);

        Assert.Equal(GitDeliveryStatus.Failed, unknown.Status);
        Assert.Equal(GitDeliveryStatus.Failed, notHash.Status);
        Assert.Equal(GitDeliveryStatus.NothingToDeliver, empty.Status);
    }

    [Fact]
    public async Task PushBranch_UnreachableRemote_FailedRetryable()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", Initial);
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["a.txt"] = "a\n" });
        var missing = DeliveryFixture.Remote(Path.Combine(fixture.Sandbox.Root, "no-such-remote.git"));

        var outcome = await fixture.Delivery.PushBranchAsync(missing, series, baseCommit, "agent/1-x", fixture.Token);

        Assert.Equal(GitDeliveryStatus.Failed, outcome.Status);
        Assert.False(outcome.Retryable);
        Assert.Contains("does not appear to be a git repository", outcome.Message, StringComparison.Ordinal);
    }
}
