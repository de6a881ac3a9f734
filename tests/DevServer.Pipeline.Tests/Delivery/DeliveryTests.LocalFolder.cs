using System.Security.Cryptography;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Pipeline.Testing;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Pipeline.Tests.Delivery;

/// <summary>
/// A repository registered as the operator's own working folder: a clone of an upstream with <c>main</c> checked out
/// and work in progress in it (an unstaged edit, a staged file, an untracked file), or a linked worktree of it. Any flow
/// but patch only gives the folder one new <c>agent/…</c> branch and nothing else: not its checked-out branch, HEAD,
/// index or files, and nothing goes to its upstream. What git refuses (the branch is checked out, or exists with other
/// commits) blocks the task with git's or delivery's reason and leaves the folder as it was.
/// </summary>
public sealed partial class DeliveryTests
{
    // Two commits: the agent's own, and the one the sidecar makes of what the agent left uncommitted.
    private const string TwoCommitAgent =
        $"{AgentCommand} && git add -A && git -c user.name=Agent -c user.email=agent@example.invalid commit --quiet -m 'Greet from the agent'" +
        " && echo 'Notes from the agent' > notes.txt";

    private const string OperatorDraft = "Hello\nThe operator's unfinished line\n";

    [Theory]
    [InlineData(DeliveryFlow.PullRequest)]
    [InlineData(DeliveryFlow.DirectCommit)]
    public async Task LocalFolder_BranchOrDirectCommitFlow_NewAgentBranchWithTheAgentsCommitsAndTheCheckoutUntouched(DeliveryFlow flow)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost($"deliver-folder-{flow}", typeof(DeliveryTests).Assembly);
        await StartWorkersAsync(host, TwoCommitAgent, ct);
        var (upstream, folder) = await CreateOperatorFolderAsync(host, ct);
        await AddWorkInProgressAsync(folder, ct);
        await RegisterFolderAsync(host, folder, flow, ct);
        var before = await FolderStateAsync(folder, ct);
        var mainBefore = await GitTextAsync(folder, ct, "rev-parse", "refs/heads/main");
        var upstreamRefs = await GitTextAsync(upstream, ct, "for-each-ref");

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Greet the operator", Enqueue = true }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        var branch = $"agent/{created.Task.Id}-greet-the-operator";
        var delivery = finished.Task.Delivery;
        Assert.Equal((flow, branch, "", 0L), (delivery.Flow, delivery.Branch, delivery.PullRequestUrl, delivery.PullRequestNumber));
        Assert.Contains(branch, finished.Task.StatusReason, StringComparison.Ordinal);
        // Exactly the agent's two commits, on the base the agent worked from, which is the folder's main.
        Assert.Equal(mainBefore, finished.Task.BaseCommit);
        Assert.Equal(delivery.Commit, await GitTextAsync(folder, ct, "rev-parse", $"refs/heads/{branch}"));
        Assert.Equal(mainBefore, await GitTextAsync(folder, ct, "rev-parse", $"{branch}~2"));
        Assert.Equal(
            ["Greet from the agent", $"[task {created.Task.Id}] Greet the operator"],
            (await GitTextAsync(folder, ct, "log", "--reverse", "--format=%s", $"{mainBefore}..{branch}")).Split('\n'));
        Assert.Equal(2, (await host.Tasks().GetTaskPatchAsync(new GetTaskPatchRequest { Id = created.Task.Id }, cancellationToken: ct)).CommitCount);
        Assert.Equal("Hello\nHello from the agent\n", await GitTextAsync(folder, ct, "show", $"{branch}:greeting.txt") + "\n");
        // The one new ref is the whole change: main, HEAD, the index, every file (the operator's draft too) as they were.
        await AssertFolderAsync(folder, before, branch, ct);
        Assert.Equal(OperatorDraft, await File.ReadAllTextAsync(Path.Combine(folder, "greeting.txt"), ct));
        Assert.Equal("staged.txt", await GitTextAsync(folder, ct, "diff", "--cached", "--name-only"));
        // A folder is never pushed to, and neither is its upstream.
        Assert.Equal(upstreamRefs, await GitTextAsync(upstream, ct, "for-each-ref"));

        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        Assert.Contains(events, e => e.DeliveryStarted is { } started && started.Flow == flow);
        var delivered = Assert.Single(events, e => e.Delivered is not null).Delivered;
        Assert.Equal((flow, branch, delivery.Commit, ""), (delivered.Flow, delivered.Branch, delivered.Commit, delivered.PullRequestUrl));
        Assert.DoesNotContain(events, e => e.DeliveryFailed is not null);
    }

    [Fact]
    public async Task LocalFolder_PatchOnlyFlow_DoneWithStatisticsAndNoRefWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("deliver-folder-patch", typeof(DeliveryTests).Assembly);
        await StartWorkersAsync(host, TwoCommitAgent, ct);
        var (_, folder) = await CreateOperatorFolderAsync(host, ct);
        await AddWorkInProgressAsync(folder, ct);
        await RegisterFolderAsync(host, folder, DeliveryFlow.Patch, ct);
        var before = await FolderStateAsync(folder, ct);

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Only a patch", Enqueue = true }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        Assert.Equal((DeliveryFlow.Patch, "", ""), (finished.Task.Delivery.Flow, finished.Task.Delivery.Branch, finished.Task.Delivery.Commit));
        var patch = await host.Tasks().GetTaskPatchAsync(new GetTaskPatchRequest { Id = created.Task.Id }, cancellationToken: ct);
        Assert.Equal(["greeting.txt", "notes.txt"], patch.Statistics.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        await AssertFolderAsync(folder, before, newBranch: null, ct);
    }

    [Fact]
    public async Task LocalFolder_AgentBranchCheckedOut_BlockedWithGitsRefusalAndTheFolderUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("deliver-folder-checked-out", typeof(DeliveryTests).Assembly);
        await StartWorkersAsync(host, AgentCommand, ct);
        var (_, folder) = await CreateOperatorFolderAsync(host, ct);
        await RegisterFolderAsync(host, folder, DeliveryFlow.DirectCommit, ct);
        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Checked out already", Enqueue = false }, cancellationToken: ct);
        var branch = $"agent/{created.Task.Id}-checked-out-already";
        // The operator is on the task's branch (at main), with their work in progress: git must not move it under them.
        await GitTextAsync(folder, ct, "checkout", "--quiet", "-b", branch);
        await AddWorkInProgressAsync(folder, ct);
        var before = await FolderStateAsync(folder, ct);
        var mainBefore = await GitTextAsync(folder, ct, "rev-parse", "refs/heads/main");

        await host.Tasks().EnqueueTaskAsync(new EnqueueTaskRequest { Id = created.Task.Id }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal(TaskStatus.Blocked, finished.Task.Status);
        Assert.StartsWith($"local folder failed (rejected): The folder refused {branch}: ", finished.Task.StatusReason, StringComparison.Ordinal);
        Assert.Contains($"refusing to fetch into branch 'refs/heads/{branch}' checked out at", finished.Task.StatusReason, StringComparison.Ordinal);
        Assert.Null(finished.Task.Delivery);
        var failed = Assert.Single(await host.ReadEventsAsync(created.Task.Id, ct), e => e.DeliveryFailed is not null).DeliveryFailed;
        Assert.False(failed.Retrying);
        Assert.Equal(finished.Task.StatusReason, failed.Reason);
        await AssertFolderAsync(folder, before, newBranch: null, ct);
        Assert.Equal(branch, await GitTextAsync(folder, ct, "symbolic-ref", "--short", "HEAD"));
        Assert.Equal(mainBefore, await GitTextAsync(folder, ct, "rev-parse", $"refs/heads/{branch}"));
    }

    [Fact]
    public async Task LocalFolder_AgentBranchExistsWithOtherCommits_BlockedNamingIt_DeliveredOnRetryOnceTheOperatorMovesItAway()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("deliver-folder-diverged", typeof(DeliveryTests).Assembly);
        await StartWorkersAsync(host, AgentCommand, ct);
        var (_, folder) = await CreateOperatorFolderAsync(host, ct);
        await AddWorkInProgressAsync(folder, ct);
        await RegisterFolderAsync(host, folder, DeliveryFlow.PullRequest, ct);
        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Diverged already", Enqueue = false }, cancellationToken: ct);
        var branch = $"agent/{created.Task.Id}-diverged-already";
        // The operator's own commit under the task's branch name, made without touching their checkout.
        var theirs = await GitTextAsync(
            folder, ct, "-c", "user.name=Operator", "-c", "user.email=operator@example.invalid",
            "commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "The operator's own experiment");
        await GitTextAsync(folder, ct, "branch", branch, theirs);
        var before = await FolderStateAsync(folder, ct);

        await host.Tasks().EnqueueTaskAsync(new EnqueueTaskRequest { Id = created.Task.Id }, cancellationToken: ct);
        var blocked = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal(TaskStatus.Blocked, blocked.Task.Status);
        Assert.Equal(
            $"local folder failed (rejected): {branch} already exists in {folder} at {theirs[..12]} with commits this work does not have, " +
            "and a branch there is only ever fast-forwarded: rename or delete that branch, then retry.",
            blocked.Task.StatusReason);
        await AssertFolderAsync(folder, before, newBranch: null, ct);
        Assert.Equal(theirs, await GitTextAsync(folder, ct, "rev-parse", $"refs/heads/{branch}"));

        // The operator keeps their experiment under another name and retries: the verified work is delivered, not redone.
        await GitTextAsync(folder, ct, "branch", "-m", branch, "operator/experiment");
        var renamed = await FolderStateAsync(folder, ct);
        await host.Tasks().RetryTaskAsync(new RetryTaskRequest { Id = created.Task.Id }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        Assert.Equal(branch, finished.Task.Delivery.Branch);
        Assert.Equal(finished.Task.Delivery.Commit, await GitTextAsync(folder, ct, "rev-parse", $"refs/heads/{branch}"));
        Assert.Equal(theirs, await GitTextAsync(folder, ct, "rev-parse", "refs/heads/operator/experiment"));
        await AssertFolderAsync(folder, renamed, branch, ct);
        Assert.Single(finished.Runs);
        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        Assert.Equal([false], events.Where(e => e.DeliveryFailed is not null).Select(e => e.DeliveryFailed.Retrying));
        Assert.Single(events, e => e.Delivered is { } d && d.Branch == branch);
    }

    [Fact]
    public async Task LinkedWorktree_AsTheLocation_NewBranchInTheSharedRepository_BothCheckoutsUntouched()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("deliver-folder-worktree", typeof(DeliveryTests).Assembly);
        await StartWorkersAsync(host, TwoCommitAgent, ct);
        var (upstream, folder) = await CreateOperatorFolderAsync(host, ct);
        await AddWorkInProgressAsync(folder, ct);
        var linked = Path.Combine(host.Root, "operator-feature");
        await GitTextAsync(folder, ct, "worktree", "add", "--quiet", "-b", "operator/feature", linked);
        await AddWorkInProgressAsync(linked, ct);
        Assert.True(File.Exists(Path.Combine(linked, ".git")), "a linked worktree's .git is a file");
        await RegisterFolderAsync(host, linked, DeliveryFlow.PullRequest, ct);
        var linkedBefore = await FolderStateAsync(linked, ct);
        var mainBefore = await FolderStateAsync(folder, ct);
        var upstreamRefs = await GitTextAsync(upstream, ct, "for-each-ref");

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Deliver to a worktree", Enqueue = true }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        var branch = $"agent/{created.Task.Id}-deliver-to-a-worktree";
        Assert.Equal(branch, finished.Task.Delivery.Branch);
        // One repository behind both checkouts: the branch is there for each, and neither checkout moved.
        Assert.Equal(finished.Task.Delivery.Commit, await GitTextAsync(linked, ct, "rev-parse", $"refs/heads/{branch}"));
        Assert.Equal(finished.Task.BaseCommit, await GitTextAsync(linked, ct, "rev-parse", $"{branch}~2"));
        await AssertFolderAsync(linked, linkedBefore, branch, ct);
        await AssertFolderAsync(folder, mainBefore, branch, ct);
        Assert.Equal("operator/feature", await GitTextAsync(linked, ct, "symbolic-ref", "--short", "HEAD"));
        Assert.Equal("main", await GitTextAsync(folder, ct, "symbolic-ref", "--short", "HEAD"));
        Assert.Equal(upstreamRefs, await GitTextAsync(upstream, ct, "for-each-ref"));
        Assert.Single(await host.ReadEventsAsync(created.Task.Id, ct), e => e.Delivered is { } d && d.Branch == branch);
    }

    [Fact]
    public async Task LocalFolder_RegisteredAsAFileUrl_DeliveredIntoTheFolderLikeAPath()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("deliver-folder-url", typeof(DeliveryTests).Assembly);
        await StartWorkersAsync(host, AgentCommand, ct);
        var (_, folder) = await CreateOperatorFolderAsync(host, ct);
        await AddWorkInProgressAsync(folder, ct);
        // The API takes file:// locations; the docs count them as local folders when they name one.
        await RegisterFolderAsync(host, new Uri(folder).AbsoluteUri, DeliveryFlow.PullRequest, ct);
        var before = await FolderStateAsync(folder, ct);

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Through a file URL", Enqueue = true }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        var branch = $"agent/{created.Task.Id}-through-a-file-url";
        Assert.Equal(branch, finished.Task.Delivery.Branch);
        Assert.Equal(finished.Task.Delivery.Commit, await GitTextAsync(folder, ct, "rev-parse", $"refs/heads/{branch}"));
        await AssertFolderAsync(folder, before, branch, ct);
    }

    private static async Task StartWorkersAsync(PipelineHost host, string agentCommand, CancellationToken ct)
    {
        await host.StartOrchestratorAsync(ct, DeliverySettings);
        host.StartScriptSidecar("sidecar-a", agentCommand);
        host.StartVerifier("verifier-a");
    }

    /// <summary>An upstream (bare) and the operator's clone of it, <c>main</c> checked out; returns both paths.</summary>
    private static async Task<(string Upstream, string Folder)> CreateOperatorFolderAsync(PipelineHost host, CancellationToken ct)
    {
        var work = await SampleRepository.CreateAsync(host.Root, ct);
        var upstream = Path.Combine(host.Root, "upstream.git");
        await SampleRepository.GitAsync(host.Root, ct, "clone", "--quiet", "--bare", work, upstream);
        var folder = Path.Combine(host.Root, "operator");
        await SampleRepository.GitAsync(host.Root, ct, "clone", "--quiet", upstream, folder);
        return (upstream, folder);
    }

    /// <summary>What an operator has going in a checkout: an unstaged edit, a staged new file, an untracked file.</summary>
    private static async Task AddWorkInProgressAsync(string checkout, CancellationToken ct)
    {
        await File.WriteAllTextAsync(Path.Combine(checkout, "greeting.txt"), OperatorDraft, ct);
        await File.WriteAllTextAsync(Path.Combine(checkout, "staged.txt"), "staged, not committed\n", ct);
        await GitTextAsync(checkout, ct, "add", "staged.txt");
        await File.WriteAllTextAsync(Path.Combine(checkout, "untracked.txt"), "nobody told git\n", ct);
    }

    /// <summary>Registers <paramref name="location"/> as "sample" with <paramref name="flow"/> as its default; no forge, no token.</summary>
    private static async Task RegisterFolderAsync(PipelineHost host, string location, DeliveryFlow flow, CancellationToken ct) =>
        await host.Repositories().AddRepositoryAsync(
            new AddRepositoryRequest
            {
                Name = "sample",
                Location = location,
                Commands = new VerificationCommands { Test = SampleRepository.TestCommand },
                Delivery = new DeliverySettings { DefaultFlow = flow },
            },
            cancellationToken: ct);

    /// <summary>
    /// A checkout as the operator sees it: its status (asked first: git may refresh the index once after the test wrote
    /// files), every file of its working tree (a linked worktree's <c>.git</c> file included) and its own HEAD and index
    /// as hashes, and every ref of its repository.
    /// </summary>
    private static async Task<FolderState> FolderStateAsync(string checkout, CancellationToken ct)
    {
        var status = await StatusAsync(checkout, ct);
        var files = await HashFilesAsync(checkout, ct);
        return new FolderState(status, files, await RefsAsync(checkout, ct));
    }

    /// <summary>
    /// The checkout is as <paramref name="before"/>, byte for byte (hashed before its status is asked again, which could
    /// itself write the index), and its repository's refs are the same plus <paramref name="newBranch"/>, when given.
    /// </summary>
    private static async Task AssertFolderAsync(string checkout, FolderState before, string? newBranch, CancellationToken ct)
    {
        Assert.Equal(before.Files, await HashFilesAsync(checkout, ct));
        Assert.Equal(before.Status, await StatusAsync(checkout, ct));
        var refs = await RefsAsync(checkout, ct);
        var added = refs.Except(before.Refs, StringComparer.Ordinal).Select(line => line.Split(' ')[0]);
        Assert.Equal(newBranch is null ? [] : [$"refs/heads/{newBranch}"], added);
        Assert.Empty(before.Refs.Except(refs, StringComparer.Ordinal));
    }

    private static Task<string> StatusAsync(string checkout, CancellationToken ct) =>
        GitTextAsync(checkout, ct, "status", "--porcelain=v2", "--branch", "--untracked-files=all");

    private static async Task<string> HashFilesAsync(string checkout, CancellationToken ct)
    {
        var gitDirectory = await GitTextAsync(checkout, ct, "rev-parse", "--absolute-git-dir");
        var files = Directory.EnumerateFiles(checkout, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(checkout, f).StartsWith(".git" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Concat([Path.Combine(gitDirectory, "HEAD"), Path.Combine(gitDirectory, "index")])
            .Order(StringComparer.Ordinal)
            .Select(f => $"{f} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}");
        return string.Join('\n', files);
    }

    private static async Task<string[]> RefsAsync(string checkout, CancellationToken ct) =>
        (await GitTextAsync(checkout, ct, "for-each-ref", "--format=%(refname) %(objectname)")).Split('\n');

    private sealed record FolderState(string Status, string Files, string[] Refs);

    private static async Task<string> GitTextAsync(string directory, CancellationToken ct, params string[] arguments) =>
        (await SampleRepository.GitAsync(directory, ct, arguments)).Trim();
}
