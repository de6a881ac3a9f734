using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Tasks.V1;
using Google.Protobuf.WellKnownTypes;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Tasks;

/// <summary>
/// TaskService on tasks no worker takes: changing, queueing, cancelling, retrying and deleting them, what each status
/// allows, and the events each change stores.
/// </summary>
public sealed class TaskChangeTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;

    private TaskService.TaskServiceClient Tasks => orchestrator.Tasks;

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTask_SomeFieldsSet_OnlyThoseChangeAndTheEventNamesThem()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "before", ct, request =>
        {
            request.Description = "kept";
            request.Labels.Add("kept");
        });

        var updated = (await Tasks.UpdateTaskAsync(
            new UpdateTaskRequest { Id = task.Id, Title = "after", Priority = 1, SkipVerification = true }, cancellationToken: ct)).Task;

        var expected = task.Clone();
        expected.Title = "after";
        expected.Priority = 1;
        expected.SkipVerification = true;
        expected.LastEventSequence = 2;
        expected.UpdatedAt = updated.UpdatedAt;
        Assert.Equal(expected, updated);
        var events = await orchestrator.ReadEventsAsync(task.Id, ct);
        Assert.Equal(2, events.Count);
        Assert.Equal(["title", "priority", "skip_verification"], events[1].TaskUpdated.Fields);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTask_EveryField_AllChangeAndTheEventNamesEach()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "before", ct);

        var updated = (await Tasks.UpdateTaskAsync(new UpdateTaskRequest
        {
            Id = task.Id,
            Title = "t",
            Description = "d",
            Acceptance = "a",
            Priority = 4,
            Vendor = "gemini",
            Model = "gemini-2.5-pro",
            BaseBranch = "release",
            MaxAttempts = 10,
            AttemptTimeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)),
            SkipVerification = true,
        }, cancellationToken: ct)).Task;

        Assert.Equal(("t", "d", "a", 4), (updated.Title, updated.Description, updated.Acceptance, updated.Priority));
        Assert.Equal(("gemini", "gemini-2.5-pro", "release", 10), (updated.Vendor, updated.Model, updated.BaseBranch, updated.MaxAttempts));
        Assert.Equal(TimeSpan.FromSeconds(5), updated.AttemptTimeout.ToTimeSpan());
        Assert.True(updated.SkipVerification);
        Assert.Equal(TaskStatus.Pending, updated.Status);
        var events = await orchestrator.ReadEventsAsync(task.Id, ct);
        Assert.Equal(
            ["title", "description", "acceptance", "priority", "vendor", "model", "base_branch", "max_attempts", "attempt_timeout", "skip_verification"],
            events[^1].TaskUpdated.Fields);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTask_Queued_FailedPreconditionAndNothingChanges()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "queued", ct, request =>
        {
            request.Vendor = orchestrator.UniqueName("nobody");
            request.Enqueue = true;
        });

        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.UpdateTaskAsync(
            new UpdateTaskRequest { Id = task.Id, Title = "changed" }, cancellationToken: ct));

        Assert.Equal(task, await GetAsync(task.Id, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTask_Cancelled_Allowed()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "cancelled", ct);
        await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: ct);

        var updated = (await Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = task.Id, Title = "fixed up" }, cancellationToken: ct)).Task;

        Assert.Equal(("fixed up", TaskStatus.Cancelled), (updated.Title, updated.Status));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateTask_NothingSet_InvalidArgument()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "untouched", ct);

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Tasks.UpdateTaskAsync(
            new UpdateTaskRequest { Id = task.Id }, cancellationToken: ct));

        Assert.Single(await orchestrator.ReadEventsAsync(task.Id, ct));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("priority-zero")]
    [InlineData("title-empty")]
    [InlineData("base-branch-invalid")]
    [InlineData("max-attempts-zero")]
    [InlineData("vendor-invalid")]
    public async Task UpdateTask_InvalidValue_InvalidArgumentAndNothingChanges(string spoiled)
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "untouched", ct);
        // A valid change beside the bad one: it must not be applied either.
        var request = new UpdateTaskRequest { Id = task.Id, Description = "would change" };
        switch (spoiled)
        {
            case "priority-zero":
                request.Priority = 0;
                break;
            case "title-empty":
                request.Title = "   ";
                break;
            case "base-branch-invalid":
                request.BaseBranch = "a..b";
                break;
            case "max-attempts-zero":
                request.MaxAttempts = 0;
                break;
            default:
                request.Vendor = "Not A Vendor";
                break;
        }

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Tasks.UpdateTaskAsync(request, cancellationToken: ct));

        Assert.Equal(task, await GetAsync(task.Id, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task EnqueueTask_Pending_QueuedWithAStatusChangedEvent()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "to queue", ct, request => request.Vendor = orchestrator.UniqueName("nobody"));

        var queued = (await Tasks.EnqueueTaskAsync(new EnqueueTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;

        Assert.Equal(TaskStatus.Queued, queued.Status);
        Assert.Equal("enqueued", queued.StatusReason);
        var change = (await orchestrator.ReadEventsAsync(task.Id, ct))[^1].StatusChanged;
        Assert.Equal((TaskStatus.Pending, TaskStatus.Queued), (change.From, change.To));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(TaskStatus.Queued)]
    [InlineData(TaskStatus.Cancelled)]
    public async Task EnqueueTask_NotPending_FailedPrecondition(TaskStatus status)
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskInStatusAsync(status, ct);

        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.EnqueueTaskAsync(
            new EnqueueTaskRequest { Id = task.Id }, cancellationToken: ct));

        Assert.Equal(task, await GetAsync(task.Id, ct));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(TaskStatus.Pending)]
    [InlineData(TaskStatus.Queued)]
    public async Task CancelTask_NotStarted_CancelledWithTheReasonWithoutAWorker(TaskStatus status)
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskInStatusAsync(status, ct);

        var cancelled = (await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id, Reason = "not needed any more" }, cancellationToken: ct)).Task;

        Assert.Equal(TaskStatus.Cancelled, cancelled.Status);
        Assert.Equal("not needed any more", cancelled.StatusReason);
        Assert.Equal(cancelled, await GetAsync(task.Id, ct));
        var change = (await orchestrator.ReadEventsAsync(task.Id, ct))[^1].StatusChanged;
        Assert.Equal((status, TaskStatus.Cancelled, "not needed any more"), (change.From, change.To, change.Reason));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CancelTask_NoReason_ReasonIsCancelled()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskInStatusAsync(TaskStatus.Pending, ct);

        var cancelled = (await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;

        Assert.Equal("cancelled", cancelled.StatusReason);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CancelTask_AlreadyCancelled_FailedPreconditionAndNoEvent()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskInStatusAsync(TaskStatus.Cancelled, ct);

        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.CancelTaskAsync(
            new CancelTaskRequest { Id = task.Id, Reason = "again" }, cancellationToken: ct));

        Assert.Equal(task, await GetAsync(task.Id, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RetryTask_Cancelled_QueuedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskInStatusAsync(TaskStatus.Cancelled, ct);

        var retried = (await Tasks.RetryTaskAsync(new RetryTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;

        Assert.Equal((TaskStatus.Queued, "retried", 0), (retried.Status, retried.StatusReason, retried.AttemptsUsed));
        var change = (await orchestrator.ReadEventsAsync(task.Id, ct))[^1].StatusChanged;
        Assert.Equal((TaskStatus.Cancelled, TaskStatus.Queued), (change.From, change.To));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(TaskStatus.Pending)]
    [InlineData(TaskStatus.Queued)]
    public async Task RetryTask_NotFinished_FailedPrecondition(TaskStatus status)
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskInStatusAsync(status, ct);

        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.RetryTaskAsync(
            new RetryTaskRequest { Id = task.Id }, cancellationToken: ct));

        Assert.Equal(task, await GetAsync(task.Id, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task DeleteTask_Queued_FailedPreconditionAndKept()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskInStatusAsync(TaskStatus.Queued, ct);

        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.DeleteTaskAsync(
            new DeleteTaskRequest { Id = task.Id }, cancellationToken: ct));

        Assert.Equal(task, await GetAsync(task.Id, ct));
        Assert.Equal(2, (await orchestrator.ReadEventsAsync(task.Id, ct)).Count);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(TaskStatus.Pending)]
    [InlineData(TaskStatus.Cancelled)]
    public async Task DeleteTask_NotInFlight_GoneWithItsEvents(TaskStatus status)
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskInStatusAsync(status, ct);

        await Tasks.DeleteTaskAsync(new DeleteTaskRequest { Id = task.Id }, cancellationToken: ct);

        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Tasks.GetTaskAsync(new GetTaskRequest { Id = task.Id }, cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await orchestrator.Events.ListTaskEventsAsync(
            new ListTaskEventsRequest { TaskId = task.Id }, cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () =>
        {
            using var watch = orchestrator.Events.WatchTaskEvents(new WatchTaskEventsRequest { TaskId = task.Id }, cancellationToken: ct);
            await watch.ResponseStream.MoveNext(ct);
        });
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Tasks.DeleteTaskAsync(new DeleteTaskRequest { Id = task.Id }, cancellationToken: ct));
        Assert.DoesNotContain(task.Id, (await Tasks.ListTasksAsync(
            new ListTasksRequest { Repository = task.Repository }, cancellationToken: ct)).Tasks.Select(t => t.Id));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task DeleteTask_WhileWatched_TheWatchEndsNotFound()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskInStatusAsync(TaskStatus.Pending, ct);
        using var watch = orchestrator.Events.WatchTaskEvents(new WatchTaskEventsRequest { TaskId = task.Id }, cancellationToken: ct);
        Assert.True(await watch.ResponseStream.MoveNext(ct));

        await Tasks.DeleteTaskAsync(new DeleteTaskRequest { Id = task.Id }, cancellationToken: ct);

        // A quiet watch looks at the table again within its idle re-check (15 s) and finds the task gone.
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () =>
        {
            while (await watch.ResponseStream.MoveNext(ct))
            {
            }
        });
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetTaskPatch_NoAttemptYet_FailedPrecondition()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskInStatusAsync(TaskStatus.Pending, ct);

        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.GetTaskPatchAsync(
            new GetTaskPatchRequest { Id = task.Id }, cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.GetTaskPatchAsync(
            new GetTaskPatchRequest { Id = task.Id, Attempt = 1 }, cancellationToken: ct));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("get")]
    [InlineData("update")]
    [InlineData("enqueue")]
    [InlineData("cancel")]
    [InlineData("retry")]
    [InlineData("delete")]
    [InlineData("patch")]
    public async Task TaskCall_UnknownTask_NotFound(string call)
    {
        var ct = TestContext.Current.CancellationToken;
        const long id = 987_654_321;

        await RpcAssert.FailsAsync(StatusCode.NotFound, call switch
        {
            "get" => async () => await Tasks.GetTaskAsync(new GetTaskRequest { Id = id }, cancellationToken: ct),
            "update" => async () => await Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = id, Title = "x" }, cancellationToken: ct),
            "enqueue" => async () => await Tasks.EnqueueTaskAsync(new EnqueueTaskRequest { Id = id }, cancellationToken: ct),
            "cancel" => async () => await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = id }, cancellationToken: ct),
            "retry" => async () => await Tasks.RetryTaskAsync(new RetryTaskRequest { Id = id }, cancellationToken: ct),
            "delete" => async () => await Tasks.DeleteTaskAsync(new DeleteTaskRequest { Id = id }, cancellationToken: ct),
            _ => async () => await Tasks.GetTaskPatchAsync(new GetTaskPatchRequest { Id = id }, cancellationToken: ct),
        });
    }

    /// <summary>A new task brought to <paramref name="status"/> through the API (queued ones wait for a vendor nobody offers).</summary>
    private async Task<AgentTask> TaskInStatusAsync(TaskStatus status, CancellationToken cancellationToken)
    {
        var repository = await orchestrator.AddRepositoryAsync(cancellationToken);
        var task = await orchestrator.CreateTaskAsync(repository, $"a {status} task", cancellationToken, request =>
        {
            request.Vendor = orchestrator.UniqueName("nobody");
            request.Enqueue = status != TaskStatus.Pending;
        });
        if (status == TaskStatus.Cancelled)
        {
            task = (await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: cancellationToken)).Task;
        }

        Assert.Equal(status, task.Status);
        return task;
    }

    private async Task<AgentTask> GetAsync(long id, CancellationToken cancellationToken) =>
        (await Tasks.GetTaskAsync(new GetTaskRequest { Id = id }, cancellationToken: cancellationToken)).Task;
}
