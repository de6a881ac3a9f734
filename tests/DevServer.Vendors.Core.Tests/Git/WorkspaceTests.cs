using System.Text;
using DevServer.Processes;
using DevServer.Vendors.Core.Git;

namespace DevServer.Vendors.Core.Tests.Git;

public sealed class WorkspaceTests : IDisposable
{
    private readonly string _root = TempFolder.Create("workspace");
    private readonly string _otherRoot = TempFolder.Create("workspace");

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    private static Task<string> GitAsync(string directory, params string[] arguments) =>
        SourceRepository.GitAsync(directory, TestToken, arguments);

    public void Dispose()
    {
        TempFolder.Delete(_root);
        TempFolder.Delete(_otherRoot);
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_AtBranch_StartsAtItsTipOnTheWorkBranch()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        await GitAsync(source.Path, "checkout", "--quiet", "-b", "feature");
        var tip = await source.CommitAsync("feature.txt", "feature\n", "Feature", TestToken);
        await GitAsync(source.Path, "checkout", "--quiet", "main");

        var prepared = await new Workspace(_root).PrepareWorktreeAsync(source.Source, "feature", "", "1-1", "devserver/task-1", null, TestToken);

        Assert.True(prepared.Succeeded, prepared.Error);
        Assert.Equal(Path.Combine(_root, "worktrees", "1-1"), prepared.Path);
        Assert.Equal(tip, prepared.BaseCommit);
        Assert.Equal(tip, await GitAsync(prepared.Path, "rev-parse", "HEAD"));
        Assert.Equal("devserver/task-1", await GitAsync(prepared.Path, "symbolic-ref", "--short", "HEAD"));
        Assert.Equal("feature\n", await File.ReadAllTextAsync(Path.Combine(prepared.Path, "feature.txt"), TestToken));
        Assert.True(Directory.Exists(Path.Combine(_root, "cache", "sample.git")));
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_AtCommit_StartsThereDetached()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var first = await GitAsync(source.Path, "rev-parse", "HEAD");
        await source.CommitAsync("second.txt", "2\n", "Second", TestToken);

        var prepared = await new Workspace(_root).PrepareWorktreeAsync(source.Source, "main", first, "1-1", null, null, TestToken);

        Assert.True(prepared.Succeeded, prepared.Error);
        Assert.Equal(first, prepared.BaseCommit);
        Assert.Equal(first, await GitAsync(prepared.Path, "rev-parse", "HEAD"));
        Assert.NotEqual(0, (await SourceRepository.TryGitAsync(prepared.Path, TestToken, "symbolic-ref", "--quiet", "HEAD")).ExitCode);
        Assert.False(File.Exists(Path.Combine(prepared.Path, "second.txt")));
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_UnknownBranchOrCommit_ReturnsFailureWithoutThrowing()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);

        var branch = await workspace.PrepareWorktreeAsync(source.Source, "no-such-branch", "", "1-1", null, null, TestToken);
        var commit = await workspace.PrepareWorktreeAsync(source.Source, "main", new string('a', 40), "1-2", null, null, TestToken);
        var option = await workspace.PrepareWorktreeAsync(source.Source, "main", "--output=/tmp/x", "1-3", null, null, TestToken);

        Assert.False(branch.Succeeded);
        Assert.Contains("no-such-branch", branch.Error, StringComparison.Ordinal);
        Assert.False(commit.Succeeded);
        Assert.Contains(new string('a', 40), commit.Error, StringComparison.Ordinal);
        Assert.False(option.Succeeded);
        Assert.False(Directory.Exists(branch.Path));
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_UnreachableLocation_ReturnsGitsMessageAndLeavesNoCache()
    {
        var source = new DevServer.Contracts.Work.V1.RepositorySource { Name = "gone", Location = "/nonexistent/repository" };

        var prepared = await new Workspace(_root).PrepareWorktreeAsync(source, "main", "", "1-1", null, null, TestToken);

        Assert.False(prepared.Succeeded);
        Assert.Contains("/nonexistent/repository", prepared.Error, StringComparison.Ordinal);
        Assert.Contains("does not appear to be a git repository", prepared.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "cache", "gone.git")));
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_CommitPushedAfterFirstPreparation_IsFetched()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var first = await workspace.PrepareWorktreeAsync(source.Source, "main", "", "1-1", null, null, TestToken);
        var pushed = await source.CommitAsync("later.txt", "later\n", "Later", TestToken);

        var byBranch = await workspace.PrepareWorktreeAsync(source.Source, "main", "", "1-2", null, null, TestToken);
        var byCommit = await workspace.PrepareWorktreeAsync(source.Source, "main", pushed, "1-3", null, null, TestToken);

        Assert.True(first.Succeeded, first.Error);
        Assert.NotEqual(pushed, first.BaseCommit);
        Assert.Equal(pushed, byBranch.BaseCommit);
        Assert.True(byCommit.Succeeded, byCommit.Error);
        Assert.True(File.Exists(Path.Combine(byBranch.Path, "later.txt")));
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_SameNameTwice_StartsFresh()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var first = await workspace.PrepareWorktreeAsync(source.Source, "main", "", "1-1", "devserver/task-1", null, TestToken);
        await File.WriteAllTextAsync(Path.Combine(first.Path, "committed.txt"), "x", TestToken);
        await workspace.CommitAllAsync(first.Path, "Work", TestToken);
        await File.WriteAllTextAsync(Path.Combine(first.Path, "untracked.txt"), "x", TestToken);

        var second = await workspace.PrepareWorktreeAsync(source.Source, "main", "", "1-1", "devserver/task-1", null, TestToken);

        Assert.True(second.Succeeded, second.Error);
        Assert.Equal(first.Path, second.Path);
        Assert.Equal(second.BaseCommit, await GitAsync(second.Path, "rev-parse", "HEAD"));
        Assert.Equal(string.Empty, await GitAsync(second.Path, "status", "--porcelain", "--untracked-files=all"));
        Assert.Single(
            (await GitAsync(Path.Combine(_root, "cache", "sample.git"), "worktree", "list", "--porcelain")).Split('\n'),
            line => line.StartsWith("worktree ", StringComparison.Ordinal) && line.EndsWith("/1-1", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task PrepareWorktreeAsync_OriginHasABranchCheckedOutInAnotherWorktree_FetchesAndKeepsThatWorktree()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var busy = await workspace.PrepareWorktreeAsync(source.Source, "main", "", "1-1", "devserver/task-1", null, TestToken);
        await File.WriteAllTextAsync(Path.Combine(busy.Path, "work.txt"), "in progress\n", TestToken);
        var work = await workspace.CommitAllAsync(busy.Path, "Work in progress", TestToken);
        // The origin gets a branch of the same name (a delivered earlier attempt) and a new commit on main.
        await GitAsync(source.Path, "branch", "devserver/task-1");
        var tip = await source.CommitAsync("later.txt", "later\n", "Later", TestToken);

        var other = await workspace.PrepareWorktreeAsync(source.Source, "main", "", "2-1", "devserver/task-2", null, TestToken);

        Assert.True(other.Succeeded, other.Error);
        Assert.Equal(tip, other.BaseCommit);
        Assert.Equal(work, await GitAsync(busy.Path, "rev-parse", "HEAD"));
        Assert.Equal("devserver/task-1", await GitAsync(busy.Path, "symbolic-ref", "--short", "HEAD"));
    }

    [Fact(Timeout = 120_000)]
    public async Task PrepareWorktreeAsync_ConcurrentlyOnOneCache_AllSucceed()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);

        var prepared = await Task.WhenAll(Enumerable.Range(1, 4).Select(
            i => workspace.PrepareWorktreeAsync(source.Source, "main", "", $"{i}-1", $"devserver/task-{i}", null, TestToken)));

        Assert.All(prepared, p => Assert.True(p.Succeeded, p.Error));
        Assert.Equal(4, prepared.Select(p => p.Path).Distinct().Count());
    }

    [Fact(Timeout = 60_000)]
    public async Task CommitAllAsync_NothingChanged_ReturnsNullAndTheSeriesIsEmpty()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var prepared = await workspace.PrepareWorktreeAsync(source.Source, "main", "", "1-1", null, null, TestToken);

        var commit = await workspace.CommitAllAsync(prepared.Path, "Nothing", TestToken);
        var series = await workspace.FormatPatchAsync(prepared.Path, prepared.BaseCommit, TestToken);

        Assert.Null(commit);
        Assert.Empty(series.Mbox);
        Assert.Equal(0, series.CommitCount);
        Assert.Equal(prepared.BaseCommit, series.HeadCommit);
    }

    [Fact(Timeout = 60_000)]
    public async Task ApplyPatchSeriesAsync_SeriesFromAnotherWorkspace_GivesTheIdenticalTree()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        await source.CommitAsync("remove-me.txt", "bye\n", "To be removed", TestToken);
        var producer = new Workspace(_root);
        var a = await producer.PrepareWorktreeAsync(source.Source, "main", "", "1-1", "devserver/task-1", null, TestToken);
        await File.WriteAllTextAsync(Path.Combine(a.Path, "README.md"), "line one\nline 2\n", TestToken);
        await File.WriteAllTextAsync(Path.Combine(a.Path, "crlf.txt"), "windows\r\nline\r\n", TestToken);
        await File.WriteAllBytesAsync(Path.Combine(a.Path, "blob.bin"), [0, 1, 2, 255, 0, 13, 10, 0x80], TestToken);
        File.Delete(Path.Combine(a.Path, "remove-me.txt"));
        var firstCommit = await producer.CommitAllAsync(a.Path, "First change", TestToken);
        Directory.CreateDirectory(Path.Combine(a.Path, "deep", "er"));
        await File.WriteAllTextAsync(Path.Combine(a.Path, "deep", "er", "new.txt"), "ünïcödé\n", TestToken);
        var secondCommit = await producer.CommitAllAsync(a.Path, "Second change", TestToken);

        var series = await producer.FormatPatchAsync(a.Path, a.BaseCommit, TestToken);
        var consumer = new Workspace(_otherRoot);
        var b = await consumer.PrepareWorktreeAsync(source.Source, "main", a.BaseCommit, "verify-1-1", null, null, TestToken);
        var applied = await consumer.ApplyPatchSeriesAsync(b.Path, series.Mbox, TestToken);

        Assert.NotNull(firstCommit);
        Assert.Equal(2, series.CommitCount);
        Assert.Equal(secondCommit, series.HeadCommit);
        Assert.True(applied.Succeeded, applied.Error);
        Assert.Equal(applied.HeadCommit, await GitAsync(b.Path, "rev-parse", "HEAD"));
        Assert.Equal(await GitAsync(a.Path, "rev-parse", "HEAD^{tree}"), await GitAsync(b.Path, "rev-parse", "HEAD^{tree}"));
        Assert.Equal(
            "DevServer agent <agent@devserver.invalid>|DevServer agent <agent@devserver.invalid>",
            await GitAsync(a.Path, "log", "-1", "--format=%an <%ae>|%cn <%ce>"));
        Assert.Equal(1, (await SourceRepository.TryGitAsync(Path.Combine(_root, "cache", "sample.git"), TestToken, "config", "--local", "--get-regexp", "^user\\.")).ExitCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task ApplyPatchSeriesAsync_PatchDoesNotApply_FailsAndLeavesTheWorktreeClean()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var producer = new Workspace(_root);
        var a = await producer.PrepareWorktreeAsync(source.Source, "main", "", "1-1", null, null, TestToken);
        await File.WriteAllTextAsync(Path.Combine(a.Path, "README.md"), "line one\nline two, said the agent\n", TestToken);
        await producer.CommitAllAsync(a.Path, "Agent's change", TestToken);
        var series = await producer.FormatPatchAsync(a.Path, a.BaseCommit, TestToken);
        // Meanwhile the same line changed differently on main.
        var moved = await source.CommitAsync("README.md", "line one\nline two, said the maintainer\n", "Maintainer's change", TestToken);
        var consumer = new Workspace(_otherRoot);
        var b = await consumer.PrepareWorktreeAsync(source.Source, "main", moved, "verify-1-1", null, null, TestToken);

        var applied = await consumer.ApplyPatchSeriesAsync(b.Path, series.Mbox, TestToken);

        Assert.False(applied.Succeeded);
        Assert.Contains("README.md", applied.Error, StringComparison.Ordinal);
        Assert.Equal(moved, applied.HeadCommit);
        Assert.Equal(moved, await GitAsync(b.Path, "rev-parse", "HEAD"));
        Assert.Equal(string.Empty, await GitAsync(b.Path, "status", "--porcelain", "--untracked-files=all"));
        Assert.NotEqual(0, (await SourceRepository.TryGitAsync(b.Path, TestToken, "am", "--show-current-patch")).ExitCode);
        Assert.Equal("line one\nline two, said the maintainer\n", Encoding.UTF8.GetString(await File.ReadAllBytesAsync(Path.Combine(b.Path, "README.md"), TestToken)));
    }

    [Fact(Timeout = 60_000)]
    public async Task RemoveWorktreeAsync_PreparedWorktree_RemovesFolderAndRegistration()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var prepared = await workspace.PrepareWorktreeAsync(source.Source, "main", "", "1-1", null, null, TestToken);

        await workspace.RemoveWorktreeAsync("1-1", TestToken);
        await workspace.RemoveWorktreeAsync("never-existed", TestToken);

        Assert.False(Directory.Exists(prepared.Path));
        Assert.DoesNotContain("1-1", await GitAsync(Path.Combine(_root, "cache", "sample.git"), "worktree", "list"), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task RemoveWorktreeAsync_DotGitReplacedByAFifo_RemovesTheFolderWithoutWaiting()
    {
        using var source = await SourceRepository.CreateAsync(TestToken);
        var workspace = new Workspace(_root);
        var prepared = await workspace.PrepareWorktreeAsync(source.Source, "main", "", "1-1", null, null, TestToken);
        var dotGit = Path.Combine(prepared.Path, ".git");
        // What a verification stage may leave behind: reading a FIFO waits for a writer that never comes.
        File.Delete(dotGit);
        var made = await ProcessRunner.CaptureAsync(new ProcessSpec("mkfifo", [dotGit]), TestToken);
        Assert.Equal(0, made.ExitCode);

        // On a thread of its own: the old code blocked inside open(2), which no token stops.
        var removal = Task.Run(() => workspace.RemoveWorktreeAsync("1-1", TestToken), TestToken);
        try
        {
            await removal.WaitAsync(TimeSpan.FromSeconds(20), TestToken);
        }
        catch (TimeoutException)
        {
            // Let the blocked reader go (it then reads nothing), so the test process does not keep a stuck thread.
            await using (new FileStream(dotGit, FileMode.Open, FileAccess.Write))
            {
            }

            Assert.Fail("Removing the worktree waited on the FIFO in place of its .git file.");
        }

        Assert.False(Directory.Exists(prepared.Path));
        // The registration the FIFO hid is pruned by the next preparation of that name (git refuses a path registered but missing).
        var again = await workspace.PrepareWorktreeAsync(source.Source, "main", "", "1-1", null, null, TestToken);
        Assert.True(again.Succeeded, again.Error);
    }
}
