using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Delivery.Tests.Forges;
using DevServer.Pipeline.Testing;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Pipeline.Tests.Delivery;

/// <summary>The preflight gate's path rules as the pipeline applies a repository's settings.</summary>
public sealed partial class DeliveryTests
{
    [Fact]
    public async Task ForbiddenPath_WorkflowFileChanged_BlockedWithAFindingAndNothingPushed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: false, CanaryToken);
        await using var host = new PipelineHost("deliver-denied", typeof(DeliveryTests).Assembly);
        var origin = await StartAsync(
            host, $"{AgentCommand} && mkdir -p .github/workflows && echo 'on: push' > .github/workflows/x.yml", forge, DeliveryFlow.PullRequest, ct);
        var refsBefore = await SampleRepository.GitAsync(origin, ct, "for-each-ref");

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Touch the CI", Enqueue = true }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal(TaskStatus.Blocked, finished.Task.Status);
        Assert.Contains("preflight", finished.Task.StatusReason, StringComparison.Ordinal);
        var finding = Assert.Single(await host.ReadEventsAsync(created.Task.Id, ct), e => e.PreflightFinding is not null).PreflightFinding;
        Assert.Equal("path.denied", finding.Rule);
        Assert.Equal(".github/workflows/x.yml", finding.File);
        Assert.Contains(".github/workflows/**", finding.Preview, StringComparison.Ordinal);
        Assert.Equal(refsBefore, await SampleRepository.GitAsync(origin, ct, "for-each-ref"));
        Assert.Empty(forge.Requests);
    }

    [Fact]
    public async Task LockFile_BlockedByDefault_DeliveredOnceTheRepositoryAllowsLockFiles()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var forge = await FakeForge.StartAsync(gitHub: false, CanaryToken);
        await using var host = new PipelineHost("deliver-lock", typeof(DeliveryTests).Assembly);
        var origin = await StartAsync(host, $"{AgentCommand} && echo '{{\"lockfileVersion\": 3}}' > package-lock.json", forge, DeliveryFlow.DirectCommit, ct);
        var mainBefore = (await SampleRepository.GitAsync(origin, ct, "rev-parse", "refs/heads/main")).Trim();

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Bump a dependency", Enqueue = true }, cancellationToken: ct);
        var blocked = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);
        var finding = Assert.Single(await host.ReadEventsAsync(created.Task.Id, ct), e => e.PreflightFinding is not null).PreflightFinding;
        var mainWhileBlocked = (await SampleRepository.GitAsync(origin, ct, "rev-parse", "refs/heads/main")).Trim();

        var repository = (await host.Repositories().GetRepositoryAsync(new GetRepositoryRequest { Repository = "sample" }, cancellationToken: ct)).Repository;
        Assert.False(repository.Delivery.Preflight.AllowLockFiles);
        var delivery = repository.Delivery.Clone();
        delivery.Preflight.AllowLockFiles = true;
        await host.Repositories().UpdateRepositoryAsync(new UpdateRepositoryRequest { Repository = "sample", Delivery = delivery }, cancellationToken: ct);
        await host.Tasks().RetryTaskAsync(new RetryTaskRequest { Id = created.Task.Id }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal(TaskStatus.Blocked, blocked.Task.Status);
        Assert.Equal("path.lock-file", finding.Rule);
        Assert.Equal("package-lock.json", finding.File);
        Assert.Equal(mainBefore, mainWhileBlocked);
        Assert.True(finished.Task.Status == TaskStatus.Done, finished.Task.StatusReason);
        Assert.Equal(finished.Task.Delivery.Commit, (await SampleRepository.GitAsync(origin, ct, "rev-parse", "refs/heads/main")).Trim());
        var files = await SampleRepository.GitAsync(origin, ct, "show", "--name-only", "--format=", "refs/heads/main");
        Assert.Equal(["greeting.txt", "package-lock.json"], files.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }
}
