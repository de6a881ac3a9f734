using DevServer.Contracts.Analytics.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using Google.Protobuf.WellKnownTypes;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Tasks;

/// <summary>
/// Retiring finished tasks through UpdateTask (the one change path, with its TaskUpdated event), what lists show of them,
/// and queueing one again; plus a task that really finished through a worker, retired, and still counted by analytics.
/// </summary>
public sealed class TaskRetireTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>, IAsyncLifetime
{
    private const int TimeoutMs = 90_000;

    private TaskService.TaskServiceClient Tasks => orchestrator.Tasks;

    public async ValueTask InitializeAsync()
    {
        // A test that fails half-way may leave a running task behind; the default limit of 2 would then starve the others.
        await orchestrator.Queue.UpdateQueueAsync(
            new UpdateQueueRequest { Paused = false, MaxConcurrency = 10 }, cancellationToken: TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTask_RetireThenBringBack_RetiredAtSetAndClearedEachWithATaskUpdatedEvent()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await CancelledTaskAsync(ct);

        var retired = (await Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = task.Id, Retired = true }, cancellationToken: ct)).Task;

        Assert.NotNull(retired.RetiredAt);
        Assert.Equal(retired.UpdatedAt, retired.RetiredAt);
        Assert.Equal(TaskStatus.Cancelled, retired.Status);
        Assert.Equal(retired, (await Tasks.GetTaskAsync(new GetTaskRequest { Id = task.Id }, cancellationToken: ct)).Task);
        Assert.Equal(["retired"], (await orchestrator.ReadEventsAsync(task.Id, ct))[^1].TaskUpdated.Fields);

        var again = (await Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = task.Id, Retired = true }, cancellationToken: ct)).Task;
        Assert.Equal(retired.RetiredAt, again.RetiredAt);

        var back = (await Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = task.Id, Retired = false }, cancellationToken: ct)).Task;

        Assert.Null(back.RetiredAt);
        Assert.Equal(TaskStatus.Cancelled, back.Status);
        Assert.Equal(["retired"], (await orchestrator.ReadEventsAsync(task.Id, ct))[^1].TaskUpdated.Fields);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTasks_RetiredTask_LeftOutUnlessIncludeRetired()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var kept = await orchestrator.CreateTaskAsync(repository, "kept", ct);
        var put = await orchestrator.CreateTaskAsync(repository, "retired", ct);
        await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = put.Id }, cancellationToken: ct);
        await Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = put.Id, Retired = true }, cancellationToken: ct);

        var listed = await Tasks.ListTasksAsync(new ListTasksRequest { Repository = repository.Name }, cancellationToken: ct);
        var all = await Tasks.ListTasksAsync(new ListTasksRequest { Repository = repository.Name, IncludeRetired = true }, cancellationToken: ct);
        var cancelled = await Tasks.ListTasksAsync(
            new ListTasksRequest { Repository = repository.Name, Statuses = { TaskStatus.Cancelled } }, cancellationToken: ct);

        Assert.Equal([kept.Id], listed.Tasks.Select(t => t.Id));
        Assert.Equal([put.Id, kept.Id], all.Tasks.Select(t => t.Id));
        Assert.NotNull(all.Tasks[0].RetiredAt);
        Assert.Null(all.Tasks[1].RetiredAt);
        Assert.Empty(cancelled.Tasks);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTask_RetirePending_FailedPreconditionSayingOnlyFinishedTasks()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "pending", ct);

        var error = await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.UpdateTaskAsync(
            new UpdateTaskRequest { Id = task.Id, Retired = true, Title = "changed too" }, cancellationToken: ct));

        Assert.Equal($"Task {task.Id} is pending; it can be retired only when done or failed or blocked or cancelled.", error.Status.Detail);
        var unchanged = (await Tasks.GetTaskAsync(new GetTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;
        Assert.Equal("pending", unchanged.Title);
        Assert.Null(unchanged.RetiredAt);
        Assert.Single(await orchestrator.ReadEventsAsync(task.Id, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTask_RetireRunning_FailedPreconditionAndNotRetired()
    {
        var ct = TestContext.Current.CancellationToken;
        var vendor = orchestrator.UniqueName("retire");
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(vendor), ct);
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "running", ct, request =>
        {
            request.Vendor = vendor;
            request.Enqueue = true;
        });
        Assert.Equal(task.Id, (await worker.NextAssignmentAsync(ct)).TaskId);

        var error = await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.UpdateTaskAsync(
            new UpdateTaskRequest { Id = task.Id, Retired = true }, cancellationToken: ct));

        Assert.Contains("is running; it can be retired only when done", error.Status.Detail, StringComparison.Ordinal);
        var running = (await Tasks.GetTaskAsync(new GetTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;
        Assert.Equal(TaskStatus.Running, running.Status);
        Assert.Null(running.RetiredAt);
        await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: ct);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RetryTask_RetiredTask_QueuedAgainNoLongerRetiredAndListed()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await CancelledTaskAsync(ct);
        await Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = task.Id, Retired = true }, cancellationToken: ct);

        var queued = (await Tasks.RetryTaskAsync(new RetryTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;

        Assert.Equal(TaskStatus.Queued, queued.Status);
        Assert.Null(queued.RetiredAt);
        var listed = await Tasks.ListTasksAsync(new ListTasksRequest { Repository = task.Repository }, cancellationToken: ct);
        Assert.Equal([task.Id], listed.Tasks.Select(t => t.Id));
        await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: ct);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetAnalytics_TaskDoneThroughAWorkerThenRetired_CountedTodayBeforeAndAfter()
    {
        var ct = TestContext.Current.CancellationToken;
        var analytics = new AnalyticsService.AnalyticsServiceClient(orchestrator.AdminInvoker);
        var vendor = orchestrator.UniqueName("analytics");
        var before = await analytics.GetAnalyticsAsync(new GetAnalyticsRequest { Days = 1 }, cancellationToken: ct);
        using (var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(vendor), ct))
        {
            var repository = await orchestrator.AddRepositoryAsync(ct);
            var created = await orchestrator.CreateTaskAsync(repository, "counted", ct, request =>
            {
                request.Vendor = vendor;
                request.Enqueue = true;
                request.MaxAttempts = 1;
            });
            var assignment = await worker.NextAssignmentAsync(ct);
            // Made no changes: the task fails at once (no delivery), which analytics counts as a failure.
            await worker.SendResultAsync(assignment, new AgentResult
            {
                Outcome = AgentOutcome.Succeeded,
                Turns = 7,
                CostUsd = 0.25,
                Duration = Duration.FromTimeSpan(TimeSpan.FromSeconds(90)),
            }, ct);
            var failed = (await Tasks.GetTaskAsync(new GetTaskRequest { Id = created.Id }, cancellationToken: ct)).Task;
            Assert.Equal(TaskStatus.Failed, failed.Status);
            await Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = created.Id, Retired = true }, cancellationToken: ct);
        }

        var after = await analytics.GetAnalyticsAsync(new GetAnalyticsRequest { Days = 1 }, cancellationToken: ct);

        // Other tests of the class run before or after, never alongside: the differences are this task's.
        Assert.Equal(before.Summary.Failed + 1, after.Summary.Failed);
        Assert.Equal(before.Summary.Attempts + 1, after.Summary.Attempts);
        Assert.Equal(before.Summary.TotalTurns + 7, after.Summary.TotalTurns);
        var figures = Assert.Single(after.Vendors, v => v.Vendor == vendor);
        Assert.Equal((0.25, 1), (figures.CostUsd, figures.Attempts));
        Assert.Equal([0.25], figures.DailyCostUsd);
        Assert.Equal(after.Days[0].Date, Assert.Single(after.Days).Date);
    }

    private async Task<AgentTask> CancelledTaskAsync(CancellationToken ct)
    {
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "to retire", ct);
        return (await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;
    }
}
