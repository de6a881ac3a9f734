using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Delivery.Tests.Forges;
using DevServer.Pipeline.Testing;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Pipeline.Tests.Delivery;

/// <summary>
/// Verified work delivered by the real pipeline: pushes go to a real bare repository made by the test, pull requests to
/// a fake Gitea on Kestrel that records every request. The preflight gate's cases are in <c>DeliveryTests.Gate.cs</c>, the
/// forge's (an open pull request, GitHub, a configured token, the body's metrics) in <c>DeliveryTests.Forges.cs</c>.
/// </summary>
public sealed partial class DeliveryTests
{
    private const string AgentCommand = "echo 'Hello from the agent' >> greeting.txt";
    // Fabricated, and unlike any real token: it must appear nowhere but in the Authorization header the forge checks.
    private const string CanaryToken = "canary-7d1f0c2e9b8a4d3c-forge-token";
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(2);

    private static readonly string[] DeliverySettings =
    [
        "--Orchestrator:Delivery:PollInterval=00:00:00.500",
        "--Orchestrator:Delivery:Lease=00:00:05",
        "--Orchestrator:Delivery:RetryBackoff:0=00:00:01",
    ];

    [Fact]
    public async Task PullRequestFlow_FakeGitea_DoneWithOnePullRequestAndTheBranchPushed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: false, CanaryToken);
        await using var host = new PipelineHost("deliver-pr", typeof(DeliveryTests).Assembly);
        var origin = await StartAsync(host, AgentCommand, forge, DeliveryFlow.PullRequest, ct);

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Greet from the agent", Enqueue = true }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        var delivery = finished.Task.Delivery;
        Assert.Equal(DeliveryFlow.PullRequest, delivery.Flow);
        Assert.Equal($"agent/{created.Task.Id}-greet-from-the-agent", delivery.Branch);
        Assert.Equal(1, delivery.PullRequestNumber);
        Assert.Equal($"{forge.BaseUrl}acme/app/pulls/1", delivery.PullRequestUrl);
        Assert.Equal(delivery.Commit, (await SampleRepository.GitAsync(origin, ct, "rev-parse", $"refs/heads/{delivery.Branch}")).Trim());
        var post = Assert.Single(forge.Requests, r => r.Method == "POST");
        Assert.Equal("/api/v1/repos/acme/app/pulls", post.PathAndQuery);
        Assert.Equal("main", (string?)post.Body!["base"]);
        Assert.Equal(delivery.Branch, (string?)post.Body!["head"]);
        var pull = Assert.Single(forge.Pulls);
        Assert.Contains(PullRequestMarker(created.Task.Id), pull.Body, StringComparison.Ordinal);
        Assert.Contains("| test |", pull.Body, StringComparison.Ordinal);
        // The default branch is untouched: pull requests never write to it.
        Assert.Equal(finished.Task.BaseCommit, (await SampleRepository.GitAsync(origin, ct, "rev-parse", "refs/heads/main")).Trim());

        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        Assert.Contains(events, e => e.DeliveryStarted is { Flow: DeliveryFlow.PullRequest });
        Assert.Contains(events, e => e.Delivered is { } d && d.PullRequestUrl == delivery.PullRequestUrl && d.Commit == delivery.Commit);
        var patch = await host.Tasks().GetTaskPatchAsync(new GetTaskPatchRequest { Id = created.Task.Id }, cancellationToken: ct);
        Assert.Equal(1, patch.Statistics.FilesChanged);
        Assert.Equal("greeting.txt", Assert.Single(patch.Statistics.Files).Path);
        Assert.Equal(1, patch.Statistics.Insertions);

        await AssertCanaryNowhereAsync(host, forge, origin, [created.Task.Id], ct);
    }

    [Fact]
    public async Task DirectCommitFlow_BareRepository_MainGetsOneCommitWithTheTaskKey()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: false, CanaryToken);
        await using var host = new PipelineHost("deliver-commit", typeof(DeliveryTests).Assembly);
        var origin = await StartAsync(host, AgentCommand, forge, DeliveryFlow.PullRequest, ct);
        var before = (await SampleRepository.GitAsync(origin, ct, "rev-parse", "refs/heads/main")).Trim();

        // The task's flow overrides the repository's default.
        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Commit directly", Enqueue = true, DeliveryFlow = DeliveryFlow.DirectCommit },
            cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        Assert.Equal(DeliveryFlow.DirectCommit, finished.Task.DeliveryFlow);
        Assert.Equal(DeliveryFlow.DirectCommit, finished.Task.Delivery.Flow);
        Assert.Equal("main", finished.Task.Delivery.Branch);
        var head = (await SampleRepository.GitAsync(origin, ct, "rev-parse", "refs/heads/main")).Trim();
        Assert.Equal(finished.Task.Delivery.Commit, head);
        Assert.Equal(before, (await SampleRepository.GitAsync(origin, ct, "rev-parse", "refs/heads/main^")).Trim());
        var subject = (await SampleRepository.GitAsync(origin, ct, "log", "-1", "--format=%s", "refs/heads/main")).Trim();
        Assert.Equal($"[task {created.Task.Id}] Commit directly", subject);
        Assert.Empty(forge.Requests);
        Assert.DoesNotContain("agent/", await SampleRepository.GitAsync(origin, ct, "branch", "--list"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectCommitFlow_MainMovedWithAConflictingCommit_BlockedNamingTheFileAndMainUnchanged()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: false, CanaryToken);
        await using var host = new PipelineHost("deliver-conflict", typeof(DeliveryTests).Assembly);
        // The agent says it started, then waits until the test has moved main under it.
        var started = Path.Combine(host.Root, "agent-started");
        var proceed = Path.Combine(host.Root, "agent-proceed");
        var origin = await StartAsync(
            host, $"touch '{started}'; for i in $(seq 1 600); do [ -f '{proceed}' ] && break; sleep 0.1; done; {AgentCommand}",
            forge, DeliveryFlow.DirectCommit, ct);

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Race the default branch", Enqueue = true }, cancellationToken: ct);
        await WaitUntilAsync(() => File.Exists(started), ct);
        var moved = await PushToMainAsync(host, origin, "greeting.txt", "Good morning\n", ct);
        await File.WriteAllTextAsync(proceed, "", ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal(TaskStatus.Blocked, finished.Task.Status);
        Assert.NotEqual(moved, finished.Task.BaseCommit);
        Assert.Equal("the work conflicts with the latest main in: greeting.txt", finished.Task.StatusReason);
        Assert.Null(finished.Task.Delivery);
        Assert.Equal(moved, (await SampleRepository.GitAsync(origin, ct, "rev-parse", "refs/heads/main")).Trim());
        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        var failed = Assert.Single(events, e => e.DeliveryFailed is not null).DeliveryFailed;
        Assert.False(failed.Retrying);
        Assert.Contains("greeting.txt", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => e.PreflightFinding is not null);
        Assert.Empty(forge.Requests);
    }

    [Fact]
    public async Task PlantedSecret_PreflightBlocks_RedactedFindingEventsAndNothingPushed()
    {
        var ct = TestContext.Current.CancellationToken;
        const string secret = "ghp_Q7r8A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6";
        await using var forge = await FakeForge.StartAsync(gitHub: false, CanaryToken);
        await using var host = new PipelineHost("deliver-secret", typeof(DeliveryTests).Assembly);
        var origin = await StartAsync(host, $"{AgentCommand} && echo 'token: {secret}' > settings.yml", forge, DeliveryFlow.PullRequest, ct);
        var refsBefore = await SampleRepository.GitAsync(origin, ct, "for-each-ref");

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Leak a token", Enqueue = true }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal(TaskStatus.Blocked, finished.Task.Status);
        Assert.Contains("preflight", finished.Task.StatusReason, StringComparison.Ordinal);
        Assert.Null(finished.Task.Delivery);
        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        var finding = Assert.Single(events, e => e.PreflightFinding is not null).PreflightFinding;
        Assert.Equal("secret.github-token", finding.Rule);
        Assert.Equal("settings.yml", finding.File);
        Assert.Equal(1, finding.Line);
        Assert.Contains("ghp_****", finding.Preview, StringComparison.Ordinal);
        Assert.All(events, e => Assert.DoesNotContain(secret, e.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(secret, finished.Task.StatusReason, StringComparison.Ordinal);
        // Nothing left the building: the remote's refs are as they were and the forge heard nothing.
        Assert.Equal(refsBefore, await SampleRepository.GitAsync(origin, ct, "for-each-ref"));
        Assert.Empty(forge.Requests);
    }

    [Fact]
    public async Task OrchestratorKilledBetweenPushAndPullRequest_AfterRestartExactlyOnePullRequest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: false, CanaryToken);
        await using var host = new PipelineHost("deliver-crash", typeof(DeliveryTests).Assembly);
        var origin = await StartAsync(host, AgentCommand, forge, DeliveryFlow.PullRequest, ct);
        // The forge hangs: the branch is pushed, and the orchestrator dies while it waits for the pull request calls.
        forge.Delay = TimeSpan.FromMinutes(5);

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Survive delivery", Enqueue = true }, cancellationToken: ct);
        await WaitUntilAsync(() => !forge.Requests.IsEmpty, ct);
        var branch = $"agent/{created.Task.Id}-survive-delivery";
        var pushed = (await SampleRepository.GitAsync(origin, ct, "rev-parse", $"refs/heads/{branch}")).Trim();
        await host.Orchestrator!.CrashAsync(ct);
        forge.Delay = TimeSpan.Zero;

        await host.StartOrchestratorAsync(ct, DeliverySettings);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        Assert.Equal(pushed, finished.Task.Delivery.Commit);
        Assert.Single(forge.Pulls);
        Assert.Equal([201], forge.CreateStatuses);
        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        Assert.Equal(2, events.Count(e => e.DeliveryStarted is not null));
        Assert.Single(events, e => e.Delivered is not null);
        Assert.Single(events, e => e.StatusChanged?.To == TaskStatus.Done);
        await AssertCanaryNowhereAsync(host, forge, origin, [created.Task.Id], ct);
    }

    [Fact]
    public async Task ForgeOutage_DeliveryRetriedWithBackoff_ThenOnePullRequest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: false, CanaryToken);
        await using var host = new PipelineHost("deliver-outage", typeof(DeliveryTests).Assembly);
        await StartAsync(host, AgentCommand, forge, DeliveryFlow.PullRequest, ct);
        forge.ForcedStatus = 500;

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Wait out the outage", Enqueue = true }, cancellationToken: ct);
        var failure = await WaitForEventAsync(host, created.Task.Id, e => e.DeliveryFailed is not null, ct);
        var delivering = await host.Tasks().GetTaskAsync(new GetTaskRequest { Id = created.Task.Id }, cancellationToken: ct);
        forge.ForcedStatus = null;
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(failure.DeliveryFailed.Retrying);
        Assert.NotNull(failure.DeliveryFailed.NextAttemptAt);
        Assert.Contains("500", failure.DeliveryFailed.Reason, StringComparison.Ordinal);
        Assert.Equal(TaskStatus.Delivering, delivering.Task.Status);
        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        Assert.Single(forge.Pulls);
        Assert.Equal([201], forge.CreateStatuses);
    }

    [Fact]
    public async Task ForgeRefusesTheToken_TaskBlockedWithAClearReason()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: false, "another-token-entirely");
        await using var host = new PipelineHost("deliver-auth", typeof(DeliveryTests).Assembly);
        await StartAsync(host, AgentCommand, forge, DeliveryFlow.PullRequest, ct);

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Wrong token", Enqueue = true }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal(TaskStatus.Blocked, finished.Task.Status);
        Assert.Contains("AuthFailed", finished.Task.StatusReason, StringComparison.Ordinal);
        Assert.Contains("401", finished.Task.StatusReason, StringComparison.Ordinal);
        Assert.Empty(forge.Pulls);
        // The fake echoes the Authorization header it got; the client scrubs it before it can reach the reason.
        Assert.DoesNotContain(CanaryToken, finished.Task.StatusReason, StringComparison.Ordinal);
    }

    /// <summary>
    /// Orchestrator, sidecar, verifier, and the sample repository pushed to a bare "origin" registered for delivery;
    /// <c>configure</c> changes the registration (forge kind, token, attempts) before it is sent, and
    /// <c>orchestratorSettings</c> come on top of the fast delivery loop's.
    /// </summary>
    private static async Task<string> StartAsync(
        PipelineHost host, string agentCommand, FakeForge forge, DeliveryFlow flow, CancellationToken ct,
        Action<AddRepositoryRequest>? configure = null, params string[] orchestratorSettings)
    {
        await host.StartOrchestratorAsync(ct, [.. DeliverySettings, .. orchestratorSettings]);
        host.StartScriptSidecar("sidecar-a", agentCommand);
        host.StartVerifier("verifier-a");
        var work = await SampleRepository.CreateAsync(host.Root, ct);
        var origin = Path.Combine(host.Root, "origin.git");
        await SampleRepository.GitAsync(host.Root, ct, "clone", "--quiet", "--bare", work, origin);
        var request = new AddRepositoryRequest
        {
            Name = "sample",
            Location = origin,
            Commands = new VerificationCommands { Test = SampleRepository.TestCommand },
            Delivery = new DeliverySettings
            {
                DefaultFlow = flow,
                Forge = ForgeKind.Gitea,
                ForgeApiUrl = forge.BaseUrl.ToString(),
                ForgeRepository = "acme/app",
            },
            ForgeToken = CanaryToken,
        };
        configure?.Invoke(request);
        await host.Repositories().AddRepositoryAsync(request, cancellationToken: ct);
        return origin;
    }

    private static string PullRequestMarker(long taskId) => $"<!-- devserver:task={taskId} -->";

    /// <summary>Someone else's commit on the remote's main (a clone, a commit writing <paramref name="content"/>, a push); returns its id.</summary>
    private static async Task<string> PushToMainAsync(PipelineHost host, string origin, string file, string content, CancellationToken ct)
    {
        var clone = Path.Combine(host.Root, "someone-else");
        await SampleRepository.GitAsync(host.Root, ct, "clone", "--quiet", origin, clone);
        await File.WriteAllTextAsync(Path.Combine(clone, file), content, ct);
        await SampleRepository.GitAsync(clone, ct, "-c", "user.name=Someone", "-c", "user.email=someone@example.invalid", "commit", "--quiet", "-am", $"Change {file}");
        await SampleRepository.GitAsync(clone, ct, "push", "--quiet", "origin", "HEAD:refs/heads/main");
        return (await SampleRepository.GitAsync(clone, ct, "rev-parse", "HEAD")).Trim();
    }

    /// <summary>The token is in no event, status reason, API answer, log, file of the orchestrator's (its database's too) or the remote, or request body.</summary>
    private static async Task AssertCanaryNowhereAsync(PipelineHost host, FakeForge forge, string origin, long[] taskIds, CancellationToken ct)
    {
        foreach (var taskId in taskIds)
        {
            var task = await host.Tasks().GetTaskAsync(new GetTaskRequest { Id = taskId }, cancellationToken: ct);
            Assert.DoesNotContain(CanaryToken, task.ToString(), StringComparison.Ordinal);
            Assert.All(await host.ReadEventsAsync(taskId, ct), e => Assert.DoesNotContain(CanaryToken, e.ToString(), StringComparison.Ordinal));
        }

        var repository = await host.Repositories().GetRepositoryAsync(new GetRepositoryRequest { Repository = "sample" }, cancellationToken: ct);
        Assert.True(repository.Repository.Delivery.HasForgeToken);
        Assert.DoesNotContain(CanaryToken, repository.Repository.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(CanaryToken, host.Orchestrator!.StandardOutput + host.Orchestrator.StandardError, StringComparison.Ordinal);
        // Every file the orchestrator wrote (logs, tokens, the delivery root's caches and worktrees) including the
        // database's own storage (tables, WAL: the token is stored encrypted), but not its socket folder (a socket
        // cannot be read, and nothing is stored there); and every file of the remote.
        var files = Directory.EnumerateFiles(host.DataDirectory, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(Path.Combine(host.DataDirectory, "postgres", "run") + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Concat(Directory.EnumerateFiles(origin, "*", SearchOption.AllDirectories))
            .ToList();
        Assert.Contains(files, f => f.Contains($"{Path.DirectorySeparatorChar}delivery{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains($"{Path.DirectorySeparatorChar}pg_wal{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file, ct);
            Assert.False(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(CanaryToken)) >= 0, $"the canary token is in {file}");
        }

        Assert.All(forge.Requests, r => Assert.DoesNotContain(CanaryToken, FakeForge.Serialize(r.Body), StringComparison.Ordinal));
    }

    private static async Task<TaskEvent> WaitForEventAsync(PipelineHost host, long taskId, Func<TaskEvent, bool> match, CancellationToken ct)
    {
        TaskEvent? found = null;
        await WaitUntilAsync(async () => (found = (await host.ReadEventsAsync(taskId, ct)).FirstOrDefault(match)) is not null, ct);
        return found!;
    }

    private static Task WaitUntilAsync(Func<bool> condition, CancellationToken ct) => WaitUntilAsync(() => Task.FromResult(condition()), ct);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TaskTimeout);
        while (!await condition())
        {
            await Task.Delay(100, bounded.Token);
        }
    }
}
