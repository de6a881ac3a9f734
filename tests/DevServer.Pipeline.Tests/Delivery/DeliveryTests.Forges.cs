using System.Globalization;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Delivery.Tests.Forges;
using DevServer.Pipeline.Testing;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Pipeline.Tests.Delivery;

/// <summary>Pull requests as the pipeline opens them: an open one updated, GitHub's API, a configured token, the body's metrics.</summary>
public sealed partial class DeliveryTests
{
    [Fact]
    public async Task PullRequestAlreadyOpen_DeliveryUpdatesItWithPatch_NoSecondPost()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: false, CanaryToken);
        await using var host = new PipelineHost("deliver-update", typeof(DeliveryTests).Assembly);
        await StartAsync(host, AgentCommand, forge, DeliveryFlow.PullRequest, ct);
        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Deliver again", Enqueue = false }, cancellationToken: ct);
        var branch = $"agent/{created.Task.Id}-deliver-again";
        // What an earlier delivery of this task leaves when the orchestrator dies after the forge opened the pull request
        // and before the outcome was recorded (the fake cannot stop between creating and answering, so it is planted).
        forge.Pulls.Add(new FakePull
        {
            Number = 1, Head = branch, Base = "main", Title = "an outdated title",
            Body = $"an outdated body\n{PullRequestMarker(created.Task.Id)}\n",
        });

        await host.Tasks().EnqueueTaskAsync(new EnqueueTaskRequest { Id = created.Task.Id }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        Assert.Equal(1, finished.Task.Delivery.PullRequestNumber);
        Assert.Equal($"{forge.BaseUrl}acme/app/pulls/1", finished.Task.Delivery.PullRequestUrl);
        Assert.Equal(
            ["GET /api/v1/repos/acme/app/pulls?state=open&page=1&limit=50", "PATCH /api/v1/repos/acme/app/pulls/1"],
            forge.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        var patch = forge.Requests.Last().Body!;
        Assert.Equal($"[task {created.Task.Id}] Deliver again", (string?)patch["title"]);
        Assert.Empty(forge.CreateStatuses);
        var pull = Assert.Single(forge.Pulls);
        Assert.Equal((string?)patch["body"], pull.Body);
        Assert.DoesNotContain("outdated", pull.Body, StringComparison.Ordinal);
        Assert.Contains(PullRequestMarker(created.Task.Id), pull.Body, StringComparison.Ordinal);
        Assert.Contains("## Metrics", pull.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullRequestFlow_FakeGitHub_CreatedWithGitHubShapesAndBearerToken()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: true, CanaryToken);
        await using var host = new PipelineHost("deliver-github", typeof(DeliveryTests).Assembly);
        await StartAsync(host, AgentCommand, forge, DeliveryFlow.PullRequest, ct, r => r.Delivery.Forge = ForgeKind.Github);

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Open on GitHub", Enqueue = true }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        var branch = $"agent/{created.Task.Id}-open-on-github";
        Assert.Equal($"{forge.BaseUrl}acme/app/pull/1", finished.Task.Delivery.PullRequestUrl);
        Assert.Equal(
            [$"GET /repos/acme/app/pulls?head=acme%3A{Uri.EscapeDataString(branch)}&state=open", "POST /repos/acme/app/pulls"],
            forge.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        Assert.All(forge.Requests, r =>
        {
            Assert.Equal($"Bearer {CanaryToken}", r.Headers["Authorization"]);
            Assert.Equal("application/vnd.github+json", r.Headers["Accept"]);
            Assert.Equal("2022-11-28", r.Headers["X-GitHub-Api-Version"]);
        });
        var post = forge.Requests.Last().Body!;
        Assert.Equal(branch, (string?)post["head"]);
        Assert.Equal("main", (string?)post["base"]);
        Assert.Equal($"[task {created.Task.Id}] Open on GitHub", (string?)post["title"]);
        Assert.Contains(PullRequestMarker(created.Task.Id), (string?)post["body"], StringComparison.Ordinal);
        Assert.Equal([201], forge.CreateStatuses);
    }

    [Fact]
    public async Task RepositoryWithoutToken_ConfiguredTokenForTheForgeHostUsed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: false, CanaryToken);
        await using var host = new PipelineHost("deliver-global-token", typeof(DeliveryTests).Assembly);
        await StartAsync(
            host, AgentCommand, forge, DeliveryFlow.PullRequest, ct, r => r.ClearForgeToken(),
            $"--Orchestrator:Delivery:ForgeTokens:{forge.BaseUrl.Host}={CanaryToken}");

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Use the configured token", Enqueue = true }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        var repository = await host.Repositories().GetRepositoryAsync(
            new GetRepositoryRequest { Repository = "sample" }, cancellationToken: ct);
        Assert.False(repository.Repository.Delivery.HasForgeToken);
        Assert.NotEmpty(forge.Requests);
        Assert.All(forge.Requests, r => Assert.Equal($"token {CanaryToken}", r.Headers["Authorization"]));
        Assert.Single(forge.Pulls);
        Assert.All(await host.ReadEventsAsync(created.Task.Id, ct), e => Assert.DoesNotContain(CanaryToken, e.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task PullRequestBody_AfterAFailoverToTheBackup_ReportsTheMetricsOfTheStoredRuns()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: false, CanaryToken);
        await using var host = new PipelineHost("deliver-metrics", typeof(DeliveryTests).Assembly);
        // The first attempt fails (exit 3); with one attempt per vendor the task fails over to its backup, which succeeds.
        var counter = Path.Combine(host.Root, "agent-runs");
        await StartAsync(
            host, $"n=$(cat '{counter}' 2>/dev/null || echo 0); echo $((n + 1)) > '{counter}'; [ \"$n\" -ge 1 ] || exit 3; {AgentCommand}",
            forge, DeliveryFlow.PullRequest, ct, r => r.MaxAttempts = 1);

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest
            {
                Repository = "sample", Title = "Fail over and deliver", Enqueue = true, Vendor = "script", Model = "primary", BackupModel = "backup",
            },
            cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        Assert.True(finished.Task.OnBackup);
        var runs = finished.Runs;
        Assert.Equal(["primary", "backup"], runs.Select(r => r.Model));
        var duration = runs.Max(r => r.FinishedAt.ToDateTimeOffset()) - runs.Min(r => r.StartedAt.ToDateTimeOffset());
        var body = Assert.Single(forge.Pulls).Body;
        var metrics = body[body.IndexOf("## Metrics", StringComparison.Ordinal)..body.IndexOf(PullRequestMarker(created.Task.Id), StringComparison.Ordinal)];
        Assert.Equal(
            string.Join('\n',
                "## Metrics",
                "",
                $"- Attempts: {runs.Count(r => !r.AttemptGivenBack)}",
                FormattableString.Invariant($"- Turns: {runs.Sum(r => r.Turns)}"),
                FormattableString.Invariant($"- Cost: ${runs.Sum(r => r.CostUsd):0.00}"),
                $"- Duration: {DurationText(duration)}",
                "- Vendor: script (backup)",
                "- Failover: from script (primary)",
                "",
                ""),
            metrics);
        Assert.Equal(2, runs.Count(r => !r.AttemptGivenBack));
    }

    // The body's duration format (PullRequestBody), restated: the expected text is computed from the API's runs.
    private static string DurationText(TimeSpan duration) =>
        duration.TotalSeconds < 60
            ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0} s")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes} min {duration.Seconds:00} s");
}
