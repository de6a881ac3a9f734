using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Tasks;

/// <summary>
/// What the orchestrator does with the endings only agent vendors have: rate limits (attempt given back, backoff, paused
/// accounts), hard errors (no retries), turn limits (the session continues) and failover to the backup vendor carrying
/// the work so far. Fake workers report the endings; each test has vendors of its own.
/// </summary>
public sealed class VendorOutcomeTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>, IAsyncLifetime
{
    private const int TimeoutMs = 90_000;
    private static readonly string BaseCommit = new('a', 40);
    private static readonly string HeadCommit = new('b', 40);
    private static readonly ByteString Series = ByteString.CopyFromUtf8("From bbbb Mon Sep 17 00:00:00 2001\nSubject: [PATCH] work\n\n");

    private TaskService.TaskServiceClient Tasks => orchestrator.Tasks;

    public async ValueTask InitializeAsync() =>
        await orchestrator.Queue.UpdateQueueAsync(
            new UpdateQueueRequest { Paused = false, MaxConcurrency = 10 }, cancellationToken: TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_AgentSettings_StoredAndSentWithTheWork()
    {
        var ct = TestContext.Current.CancellationToken;
        var vendor = orchestrator.UniqueName("fake");
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(vendor), ct);
        var task = await CreateAsync(vendor, ct, request =>
        {
            request.BackupVendor = orchestrator.UniqueName("backup");
            request.BackupModel = "pro";
            request.TurnLimit = new TurnLimit { MaxTurns = 7 };
            request.BillingMode = BillingMode.Subscription;
            request.AllowedTools.Add("Bash(git:*)");
            request.AllowedTools.Add("Edit");
        });

        Assert.Equal((7, BillingMode.Subscription, "pro", false), (task.TurnLimit.MaxTurns, task.BillingMode, task.BackupModel, task.OnBackup));
        Assert.Equal(["Bash(git:*)", "Edit"], task.AllowedTools);
        var work = (await worker.NextAssignmentAsync(ct)).Agent;
        Assert.Equal((7, BillingMode.Subscription), (work.MaxTurns, work.BillingMode));
        Assert.Equal(["Bash(git:*)", "Edit"], work.AllowedTools);
        Assert.True(work.PriorWork.IsEmpty);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CreateTask_TurnLimitUnsetOrUnlimited_DefaultOf50OrZeroInTheWork()
    {
        var ct = TestContext.Current.CancellationToken;
        var vendor = orchestrator.UniqueName("fake");
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(vendor, capacity: 2), ct);
        var unset = await CreateAsync(vendor, ct);
        var first = await worker.NextAssignmentAsync(ct);
        var unlimited = await CreateAsync(vendor, ct, request => request.TurnLimit = new TurnLimit { Unlimited = true });
        var second = await worker.NextAssignmentAsync(ct);

        Assert.Null(unset.TurnLimit);
        Assert.True(unlimited.TurnLimit.Unlimited);
        Assert.Equal((unset.Id, 50), (first.TaskId, first.Agent.MaxTurns));
        Assert.Equal((unlimited.Id, 0), (second.TaskId, second.Agent.MaxTurns));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("same backup")]
    [InlineData("turns 0")]
    [InlineData("unlimited false")]
    [InlineData("tool with comma")]
    [InlineData("billing 9")]
    public async Task CreateTask_BadAgentSettings_InvalidArgumentAndNothingStored(string problem)
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var request = new CreateTaskRequest { Repository = repository.Name, Title = problem, Vendor = "claude", Model = "opus" };
        switch (problem)
        {
            case "same backup":
                request.BackupVendor = "claude";
                request.BackupModel = "opus";
                break;
            case "turns 0":
                request.TurnLimit = new TurnLimit { MaxTurns = 0 };
                break;
            case "unlimited false":
                request.TurnLimit = new TurnLimit { Unlimited = false };
                break;
            case "tool with comma":
                request.AllowedTools.Add("Bash,Edit");
                break;
            default:
                request.BillingMode = (BillingMode)9;
                break;
        }

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Tasks.CreateTaskAsync(request, cancellationToken: ct));
        var listed = await Tasks.ListTasksAsync(new ListTasksRequest { Repository = repository.Name }, cancellationToken: ct);
        Assert.Empty(listed.Tasks);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTask_TurnLimitAndBackup_SetThenCleared()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await CreateAsync("nobody", ct, request => request.Enqueue = false);

        var set = (await Tasks.UpdateTaskAsync(
            new UpdateTaskRequest { Id = task.Id, TurnLimit = new TurnLimit { Unlimited = true }, BackupModel = "other" },
            cancellationToken: ct)).Task;
        Assert.True(set.TurnLimit.Unlimited);
        Assert.Equal(("nobody", "other"), (set.BackupVendor, set.BackupModel));

        var cleared = (await Tasks.UpdateTaskAsync(
            new UpdateTaskRequest { Id = task.Id, ClearTurnLimit = true, BackupVendor = "", AllowedTools = new AllowedTools { Tools = { "Read" } } },
            cancellationToken: ct)).Task;
        Assert.Null(cleared.TurnLimit);
        Assert.Equal(("", ""), (cleared.BackupVendor, cleared.BackupModel));
        Assert.Equal(["Read"], cleared.AllowedTools);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RateLimited_WithoutResetTime_AttemptGivenBackAndRetriedAfterTheBackoff()
    {
        var ct = TestContext.Current.CancellationToken;
        var vendor = orchestrator.UniqueName("fake");
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(vendor), ct);
        var task = await CreateAsync(vendor, ct, request => request.MaxAttempts = 1);
        var first = await worker.NextAssignmentAsync(ct);
        await worker.SendResultAsync(first, Failed(AgentErrorKind.RateLimited, "API Error: 429 rate_limit_error"), ct);

        var second = await worker.NextAssignmentAsync(ct);
        Assert.Equal((task.Id, 2), (second.TaskId, second.Attempt));
        var retry = (await orchestrator.ReadEventsAsync(task.Id, ct)).Select(e => e.RetryScheduled).Single(r => r is not null);
        Assert.True(retry.AttemptGivenBack);
        var during = await GetAsync(task.Id, ct);
        Assert.Equal(1, during.Task.AttemptsUsed);
        Assert.True(during.Runs[0].AttemptGivenBack);
        Assert.Equal(AgentErrorKind.RateLimited, during.Runs[0].ErrorKind);

        // The one attempt the task has is still there: a success now finishes it.
        await worker.SendResultAsync(second, Succeeded(), ct);
        Assert.Equal(TaskStatus.Verifying, (await GetAsync(task.Id, ct)).Task.Status);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RateLimited_WithResetTime_AccountPausedUntilThenWhileOtherVendorsWork()
    {
        var ct = TestContext.Current.CancellationToken;
        var limited = orchestrator.UniqueName("fake");
        var other = orchestrator.UniqueName("fake");
        using var limitedWorker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(limited, capacity: 2), ct);
        using var otherWorker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(other), ct);
        var task = await CreateAsync(limited, ct);
        var first = await limitedWorker.NextAssignmentAsync(ct);
        var resetsAt = TimeProvider.System.GetUtcNow().AddSeconds(4);
        var result = Failed(AgentErrorKind.RateLimited, "Claude usage limit reached");
        result.RateLimitResetsAt = Timestamp.FromDateTimeOffset(resetsAt);
        await limitedWorker.SendResultAsync(first, result, ct);

        var paused = (await orchestrator.ReadEventsAsync(task.Id, ct)).Select(e => e.VendorPaused).Single(p => p is not null);
        Assert.Equal((limited, limited), (paused.Vendor, paused.Account));
        Assert.Equal(resetsAt.ToUnixTimeSeconds(), paused.Until.ToDateTimeOffset().ToUnixTimeSeconds());
        var listed = (await orchestrator.Queue.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: ct)).Workers
            .Single(w => w.Id == limitedWorker.Hello.WorkerId);
        Assert.NotNull(listed.PausedUntil);

        // Another vendor's task is dispatched while the limited account waits, even though the limited worker has room.
        var otherTask = await CreateAsync(other, ct);
        Assert.Equal(otherTask.Id, (await otherWorker.NextAssignmentAsync(ct)).TaskId);
        var second = await limitedWorker.NextAssignmentAsync(ct);
        Assert.Equal((task.Id, 2), (second.TaskId, second.Attempt));
        Assert.True(TimeProvider.System.GetUtcNow() >= resetsAt.AddMilliseconds(-100), "The paused account got work before its reset time.");
        // Only the running second attempt counts: the rate-limited first one gave its attempt back.
        Assert.Equal(1, (await GetAsync(task.Id, ct)).Task.AttemptsUsed);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AuthenticationFailed_NoBackup_BlockedAtOnceWithTheSidecarsMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        var vendor = orchestrator.UniqueName("fake");
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(vendor), ct);
        var task = await CreateAsync(vendor, ct, request => request.MaxAttempts = 5);
        var first = await worker.NextAssignmentAsync(ct);
        await worker.SendResultAsync(first, Failed(AgentErrorKind.Authentication, "Invalid API key: set ANTHROPIC_API_KEY"), ct);

        var after = await GetAsync(task.Id, ct);
        Assert.Equal((TaskStatus.Blocked, 1), (after.Task.Status, after.Task.AttemptsUsed));
        Assert.Contains("ANTHROPIC_API_KEY", after.Task.StatusReason, StringComparison.Ordinal);
        Assert.DoesNotContain(await orchestrator.ReadEventsAsync(task.Id, ct), e => e.RetryScheduled is not null);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task MaxTurns_NextAttemptResumesTheSessionOnTheSameSidecarWithTheWorkSoFar()
    {
        var ct = TestContext.Current.CancellationToken;
        var vendor = orchestrator.UniqueName("fake");
        var hello = FakeWorker.VendorHello(vendor);
        hello.ResumesSessions = true;
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);
        var task = await CreateAsync(vendor, ct, request => request.MaxAttempts = 2);
        var first = await worker.NextAssignmentAsync(ct);
        var result = Failed(AgentErrorKind.MaxTurns, "Reached maximum number of turns (50)");
        (result.SessionId, result.CommitCount, result.PatchSeries, result.BaseCommit, result.HeadCommit) = ("session-1", 1, Series, BaseCommit, HeadCommit);
        await worker.SendResultAsync(first, result, ct);

        var second = await worker.NextAssignmentAsync(ct);
        Assert.Equal("session-1", second.Agent.ResumeSessionId);
        Assert.Contains("turn limit", second.Agent.PreviousFailure, StringComparison.Ordinal);
        Assert.Equal(Series, second.Agent.PriorWork);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task AttemptsExhausted_WithBackup_FailsOverWithAFreshSessionAndTheWorkSoFar()
    {
        var ct = TestContext.Current.CancellationToken;
        var primary = orchestrator.UniqueName("fake");
        var backup = orchestrator.UniqueName("fake");
        var primaryHello = FakeWorker.VendorHello(primary);
        primaryHello.ResumesSessions = true;
        using var primaryWorker = await FakeWorker.ConnectAsync(orchestrator.Mesh, primaryHello, ct);
        var task = await CreateAsync(primary, ct, request =>
        {
            request.MaxAttempts = 1;
            request.BackupVendor = backup;
            request.BackupModel = "big";
        });
        var first = await primaryWorker.NextAssignmentAsync(ct);
        var result = Failed(AgentErrorKind.Other, "the agent gave up");
        (result.SessionId, result.CommitCount, result.PatchSeries, result.BaseCommit, result.HeadCommit) = ("session-p", 2, Series, BaseCommit, HeadCommit);
        await primaryWorker.SendResultAsync(first, result, ct);

        var backupHello = FakeWorker.VendorHello(backup);
        backupHello.ResumesSessions = true;
        backupHello.Models.Add("big");
        using var backupWorker = await FakeWorker.ConnectAsync(orchestrator.Mesh, backupHello, ct);
        var second = await backupWorker.NextAssignmentAsync(ct);
        Assert.Equal((task.Id, "big", "", Series), (second.TaskId, second.Agent.Model, second.Agent.ResumeSessionId, second.Agent.PriorWork));

        var state = await GetAsync(task.Id, ct);
        Assert.True(state.Task.OnBackup);
        Assert.Equal((1, TaskStatus.Running), (state.Task.AttemptsUsed, state.Task.Status));
        Assert.Equal((backup, "big"), (state.Runs[^1].Vendor, state.Runs[^1].Model));
        var failover = (await orchestrator.ReadEventsAsync(task.Id, ct)).Select(e => e.FailedOver).Single(f => f is not null);
        Assert.Equal((primary, backup, "big", 2), (failover.FromVendor, failover.ToVendor, failover.ToModel, failover.CarriedCommits));

        // The backup's attempts running out ends the task: there is no second failover.
        await backupWorker.SendResultAsync(second, Failed(AgentErrorKind.Authentication, "bad key"), ct);
        Assert.Equal(TaskStatus.Blocked, (await GetAsync(task.Id, ct)).Task.Status);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task SameFailureClassTwice_BlockedAsStuck_AfterTheSecondAttemptGotTheRemediation()
    {
        var ct = TestContext.Current.CancellationToken;
        var vendor = orchestrator.UniqueName("fake");
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(vendor), ct);
        var task = await CreateAsync(vendor, ct, request => request.MaxAttempts = 5);
        var importError = await FailureExampleAsync("python.import", ct);
        var first = await worker.NextAssignmentAsync(ct);
        await worker.SendResultAsync(first, WithOutput(Failed(AgentErrorKind.Other, "the agent exited with code 1"), importError), ct);

        var second = await worker.NextAssignmentAsync(ct);
        Assert.Equal("python.import", second.Agent.Remediation.Key);
        Assert.Contains("billing", second.Agent.Remediation.Hint, StringComparison.Ordinal);
        Assert.Contains(second.Agent.Remediation.Evidence, line => line.Contains("No module named 'billing'", StringComparison.Ordinal));
        await worker.SendResultAsync(second, WithOutput(Failed(AgentErrorKind.Other, "the agent exited with code 1"), importError), ct);

        var after = await GetAsync(task.Id, ct);
        Assert.Equal((TaskStatus.Blocked, 2), (after.Task.Status, after.Task.AttemptsUsed));
        Assert.Contains("twice in a row", after.Task.StatusReason, StringComparison.Ordinal);
        Assert.Equal(["python.import", "python.import"], after.Runs.Select(r => r.FailureClass));
        var classified = (await orchestrator.ReadEventsAsync(task.Id, ct)).Select(e => e.FailureClassified).Where(c => c is not null).ToList();
        Assert.Equal([1, 2], classified.Select(c => c.Repeat));
        Assert.All(classified, c => Assert.Equal(("agent", false), (c.Source, c.Hard)));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task HardFailureClass_BlockedAfterTheFirstAttempt()
    {
        var ct = TestContext.Current.CancellationToken;
        var vendor = orchestrator.UniqueName("fake");
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(vendor), ct);
        var task = await CreateAsync(vendor, ct, request => request.MaxAttempts = 5);
        var first = await worker.NextAssignmentAsync(ct);
        var noSpace = await FailureExampleAsync("system.no_space", ct);
        await worker.SendResultAsync(first, WithOutput(Failed(AgentErrorKind.Other, "the agent exited with code 1"), noSpace), ct);

        var after = await GetAsync(task.Id, ct);
        Assert.Equal((TaskStatus.Blocked, 1), (after.Task.Status, after.Task.AttemptsUsed));
        Assert.StartsWith("system.no_space cannot be fixed by retrying", after.Task.StatusReason, StringComparison.Ordinal);
        Assert.True((await orchestrator.ReadEventsAsync(task.Id, ct)).Single(e => e.FailureClassified is not null).FailureClassified.Hard);
    }

    private static async Task<string> FailureExampleAsync(string key, CancellationToken cancellationToken) =>
        await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "FailureExamples", key + ".txt"), cancellationToken);

    private static AgentResult WithOutput(AgentResult result, string output)
    {
        result.OutputExcerpt = output;
        return result;
    }

    private static AgentResult Failed(AgentErrorKind kind, string error) =>
        new() { Outcome = AgentOutcome.Failed, ExitCode = 1, ErrorKind = kind, Error = error };

    private static AgentResult Succeeded() => new()
    {
        Outcome = AgentOutcome.Succeeded, ExitCode = 0, BaseCommit = BaseCommit, HeadCommit = HeadCommit, CommitCount = 1, PatchSeries = Series,
    };

    /// <summary>Queues a task for <paramref name="vendor"/> in a repository of its own.</summary>
    private async Task<AgentTask> CreateAsync(string vendor, CancellationToken cancellationToken, Action<CreateTaskRequest>? configure = null)
    {
        var repository = await orchestrator.AddRepositoryAsync(cancellationToken);
        return await orchestrator.CreateTaskAsync(repository, $"work for {vendor}", cancellationToken, request =>
        {
            request.Vendor = vendor;
            request.Enqueue = true;
            configure?.Invoke(request);
        });
    }

    private async Task<GetTaskResponse> GetAsync(long id, CancellationToken cancellationToken) =>
        await Tasks.GetTaskAsync(new GetTaskRequest { Id = id }, cancellationToken: cancellationToken);
}
