using DevServer.Delivery.Forges;
using DevServer.Delivery.Git;
using DevServer.Delivery.Preflight;
using DevServer.Delivery.Tests.Forges;
using DevServer.Delivery.Tests.Git;

namespace DevServer.Delivery.Tests;

/// <summary>The branch flow end to end, the way the orchestrator will run it: gate, push, pull request; and resumed.</summary>
public sealed class DeliveryResumeTests
{
    private static readonly HttpClient Http = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BranchFlow_CrashBetweenPushAndPullRequest_ResumesWithOnePullRequest(bool gitHub)
    {
        using var fixture = new DeliveryFixture();
        await using var fake = await FakeForge.StartAsync(gitHub, "t0ken-for-forge");
        IForge forge = gitHub
            ? new GitHubForge(Http, fake.BaseUrl, "t0ken-for-forge", TimeSpan.FromSeconds(10))
            : new GiteaForge(Http, fake.BaseUrl, "t0ken-for-forge", TimeSpan.FromSeconds(10));
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", new Dictionary<string, string> { ["src/a.txt"] = "a\n" });
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["src/a.txt"] = "a\nb\n" });
        var repository = DeliveryFixture.Remote(bare);
        var branch = BranchNames.ForTask(42, "Fix login bug");
        Assert.True(PreflightGate.Scan(series, new PreflightOptions()).Passed);

        // First run: pushed, then the orchestrator died before it reached the forge.
        var pushed = await fixture.Delivery.PushBranchAsync(repository, series, baseCommit, branch, fixture.Token);
        Assert.Equal(GitDeliveryStatus.Delivered, pushed.Status);
        Assert.Empty(fake.Requests);

        // Resumed run: the same steps again, from the top.
        var repushed = await fixture.Delivery.PushBranchAsync(repository, series, baseCommit, branch, fixture.Token);
        var opened = await forge.FindOrCreatePullRequestAsync(new ForgeRepository("acme", "app"), branch, "main", "[task 42] Fix login bug", "body", fixture.Token);

        // And once more, as if it crashed after opening the pull request but before recording it.
        var again = await forge.FindOrCreatePullRequestAsync(new ForgeRepository("acme", "app"), branch, "main", "[task 42] Fix login bug", "body", fixture.Token);

        Assert.Equal((GitDeliveryStatus.Unchanged, pushed.Commit), (repushed.Status, repushed.Commit));
        Assert.Equal(ForgeStatus.Created, opened.Status);
        Assert.Equal((ForgeStatus.Unchanged, opened.PullRequest), (again.Status, again.PullRequest));
        var pull = Assert.Single(fake.Pulls);
        Assert.Equal((branch, "main"), (pull.Head, pull.Base));
        Assert.Single(fake.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task Preflight_PlantedSecretInRealSeries_BlocksBeforeAnyPush()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", new Dictionary<string, string> { ["a.txt"] = "a\n" });
        var token = "glpat-" + Preflight.Mbox.Fake(20, 99);
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit,
            new Dictionary<string, string?> { ["ci/deploy.sh"] = $"#!/bin/sh\ncurl -H \"PRIVATE-TOKEN: {token}\" https://gitlab.example\n" },
            new Dictionary<string, string?> { [".github/workflows/release.yml"] = "on: push\n" });

        var report = PreflightGate.Scan(series, new PreflightOptions());

        Assert.Equal(
            [(PreflightRules.DeniedPath, ".github/workflows/release.yml", 0), (PreflightRules.GitLabToken, "ci/deploy.sh", 2)],
            report.Findings.Select(f => (f.RuleId, f.File, f.Line)));
        Assert.DoesNotContain(token[6..], report.ToString(), StringComparison.Ordinal);
        Assert.Contains("glpat-****", report.Findings[1].Preview, StringComparison.Ordinal);
    }
}
