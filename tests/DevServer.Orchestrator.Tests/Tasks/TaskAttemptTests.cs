using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using Google.Protobuf;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Tasks;

/// <summary>
/// TaskService on tasks that have attempts: a <see cref="FakeWorker"/> takes the work and reports the ending each test
/// needs (failed, blocked, done), then the test checks what the API allows from there. Each test has a vendor of its
/// own, so its worker only ever gets its own task.
/// </summary>
public sealed class TaskAttemptTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>, IAsyncLifetime
{
    private const int TimeoutMs = 90_000;
    private static readonly string BaseCommit = new('a', 40);
    private static readonly string HeadCommit = new('b', 40);

    private TaskService.TaskServiceClient Tasks => orchestrator.Tasks;

    public async ValueTask InitializeAsync()
    {
        // A test that fails half-way leaves a running task behind; the default limit of 2 would then starve the others.
        await orchestrator.Queue.UpdateQueueAsync(
            new UpdateQueueRequest { Paused = false, MaxConcurrency = 10 }, cancellationToken: TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact(Timeout = TimeoutMs)]
    public async Task RetryTask_AfterTheLastAttemptFailed_QueuedWithAFreshBudgetAndTheNextAttemptNumber()
    {
        var ct = TestContext.Current.CancellationToken;
        var (worker, task, assignment) = await DispatchAsync(ct, request => request.MaxAttempts = 1);
        using (worker)
        {
            var running = await GetAsync(task.Id, ct);
            Assert.Equal((TaskStatus.Running, 1), (running.Task.Status, running.Task.AttemptsUsed));
            Assert.Equal(1, assignment.Attempt);
            Assert.Equal((task.Title, task.BaseBranch), (assignment.Agent.Task.Title, assignment.Agent.BaseBranch));

            var answer = await worker.SendResultAsync(assignment, new AgentResult { Outcome = AgentOutcome.Failed, ExitCode = 3 }, ct);
            Assert.True(answer.Acknowledgement?.ResultStored, $"Expected the result to be stored, got {answer}");
        }

        await WaitUntilDisconnectedAsync(worker, ct);

        var failed = await GetAsync(task.Id, ct);
        Assert.Equal((TaskStatus.Failed, 1), (failed.Task.Status, failed.Task.AttemptsUsed));
        Assert.Contains("exited with code 3", failed.Task.StatusReason, StringComparison.Ordinal);
        Assert.Equal(RunOutcome.Failed, Assert.Single(failed.Runs).Outcome);

        // The worker is gone, so nothing can take the task before the response is read.
        var retried = (await Tasks.RetryTaskAsync(new RetryTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;

        Assert.Equal((TaskStatus.Queued, 0, "retried"), (retried.Status, retried.AttemptsUsed, retried.StatusReason));
        Assert.Null(retried.NotBefore);
        var change = (await orchestrator.ReadEventsAsync(task.Id, ct))[^1].StatusChanged;
        Assert.Equal((TaskStatus.Failed, TaskStatus.Queued), (change.From, change.To));

        using var second = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(task.Vendor), ct);
        var again = await second.NextAssignmentAsync(ct);
        Assert.Equal((task.Id, 2), (again.TaskId, again.Attempt));
        Assert.Contains("exited with code 3", again.Agent.PreviousFailure, StringComparison.Ordinal);
        Assert.Equal(1, (await GetAsync(task.Id, ct)).Task.AttemptsUsed);
        await second.SendResultAsync(again, new AgentResult { Outcome = AgentOutcome.Failed, ExitCode = 3 }, ct);
        Assert.Equal([1, 2], (await GetAsync(task.Id, ct)).Runs.Select(r => r.Attempt));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CancelTask_WaitingForItsRetry_CancelledWithoutANotBeforeTime()
    {
        var ct = TestContext.Current.CancellationToken;
        var (worker, task, assignment) = await DispatchAsync(ct, request => request.MaxAttempts = 2);
        using (worker)
        {
            await worker.SendResultAsync(assignment, new AgentResult { Outcome = AgentOutcome.Failed, ExitCode = 1 }, ct);
        }

        var waiting = await GetAsync(task.Id, ct);
        Assert.Equal(TaskStatus.Queued, waiting.Task.Status);
        Assert.NotNull(waiting.Task.NotBefore);

        var cancelled = (await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;

        Assert.Equal(TaskStatus.Cancelled, cancelled.Status);
        Assert.Null(cancelled.NotBefore);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RetryTask_Blocked_QueuedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var (worker, task, assignment) = await DispatchAsync(ct);
        using (worker)
        {
            await worker.SendResultAsync(
                assignment, new AgentResult { Outcome = AgentOutcome.PreparationFailed, Error = "unknown branch 'main'" }, ct);
        }

        await WaitUntilDisconnectedAsync(worker, ct);

        var blocked = await GetAsync(task.Id, ct);
        Assert.Equal(TaskStatus.Blocked, blocked.Task.Status);
        Assert.Contains("unknown branch", blocked.Task.StatusReason, StringComparison.Ordinal);

        var retried = (await Tasks.RetryTaskAsync(new RetryTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;

        Assert.Equal((TaskStatus.Queued, 0), (retried.Status, retried.AttemptsUsed));
        await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: ct);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task TaskDone_RetryAndCancelRefusedPatchServedAndNewBaseBranchClearsTheBaseCommit()
    {
        var ct = TestContext.Current.CancellationToken;
        // A real format-patch entry: delivery's preflight gate reads it (an unreadable series would block the task).
        var patch = ByteString.CopyFromUtf8(
            $"From {HeadCommit} Mon Sep 17 00:00:00 2001\nFrom: Agent <agent@example.invalid>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n" +
            "Subject: [PATCH] greet\n\n---\n greeting.txt | 1 +\n 1 file changed, 1 insertion(+)\n\n" +
            "diff --git a/greeting.txt b/greeting.txt\nindex 1111111..2222222 100644\n--- a/greeting.txt\n+++ b/greeting.txt\n" +
            "@@ -1 +1,2 @@\n Hello\n+Hello from the agent\n-- \n2.39.0\n\n");
        var (worker, task, assignment) = await DispatchAsync(ct, request => request.SkipVerification = true);
        using (worker)
        {
            await worker.SendResultAsync(assignment, new AgentResult
            {
                Outcome = AgentOutcome.Succeeded,
                ExitCode = 0,
                BaseCommit = BaseCommit,
                HeadCommit = HeadCommit,
                CommitCount = 1,
                PatchSeries = patch,
            }, ct);
        }

        // Work that skipped verification goes through delivery too: patch only (the default) is the gate, then done.
        var done = (await WaitForFinishedAsync(task.Id, ct)).Task;
        Assert.True(done.Status == TaskStatus.Done, done.StatusReason);
        Assert.Equal(BaseCommit, done.BaseCommit);
        Assert.Equal(DeliveryFlow.Patch, done.Delivery.Flow);

        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.RetryTaskAsync(new RetryTaskRequest { Id = task.Id }, cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.EnqueueTaskAsync(new EnqueueTaskRequest { Id = task.Id }, cancellationToken: ct));

        var served = await Tasks.GetTaskPatchAsync(new GetTaskPatchRequest { Id = task.Id }, cancellationToken: ct);
        Assert.Equal((1, BaseCommit, HeadCommit, 1, true), (served.Attempt, served.BaseCommit, served.HeadCommit, served.CommitCount, served.Verified));
        Assert.Equal(patch, served.PatchSeries);

        var sameBranch = (await Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = task.Id, Title = "renamed" }, cancellationToken: ct)).Task;
        Assert.Equal(BaseCommit, sameBranch.BaseCommit);
        var moved = (await Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = task.Id, BaseBranch = "next" }, cancellationToken: ct)).Task;
        Assert.Equal(("next", "", TaskStatus.Done), (moved.BaseBranch, moved.BaseCommit, moved.Status));
        Assert.Equal(["base_branch"], (await orchestrator.ReadEventsAsync(task.Id, ct))[^1].TaskUpdated.Fields);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetTaskPatch_AttemptFailedWithoutWork_FailedPrecondition()
    {
        var ct = TestContext.Current.CancellationToken;
        var (worker, task, assignment) = await DispatchAsync(ct, request => request.MaxAttempts = 1);
        using (worker)
        {
            await worker.SendResultAsync(assignment, new AgentResult { Outcome = AgentOutcome.Succeeded, CommitCount = 0 }, ct);
        }

        var failed = await GetAsync(task.Id, ct);
        Assert.Equal(TaskStatus.Failed, failed.Task.Status);
        Assert.Equal("the agent made no changes", Assert.Single(failed.Runs).Error);

        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.GetTaskPatchAsync(
            new GetTaskPatchRequest { Id = task.Id }, cancellationToken: ct));
        await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.GetTaskPatchAsync(
            new GetTaskPatchRequest { Id = task.Id, Attempt = 1 }, cancellationToken: ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task TaskRunning_ChangesAndRemovalRefusedAndCountedActive()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = (await orchestrator.Queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: ct)).Queue;
        var (worker, task, _) = await DispatchAsync(ct);
        using (worker)
        {
            var during = (await orchestrator.Queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: ct)).Queue;
            Assert.Equal(before.Active + 1, during.Active);
            var listed = Assert.Single((await orchestrator.Queue.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: ct)).Workers,
                w => w.Id == worker.Hello.WorkerId);
            Assert.Equal((1, true), (listed.Active, listed.Connected));
            await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await orchestrator.Repositories.RemoveRepositoryAsync(
                new RemoveRepositoryRequest { Repository = task.Repository }, cancellationToken: ct));

            await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.UpdateTaskAsync(
                new UpdateTaskRequest { Id = task.Id, Title = "changed" }, cancellationToken: ct));
            await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.EnqueueTaskAsync(
                new EnqueueTaskRequest { Id = task.Id }, cancellationToken: ct));
            await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.RetryTaskAsync(
                new RetryTaskRequest { Id = task.Id }, cancellationToken: ct));
            await RpcAssert.FailsAsync(StatusCode.FailedPrecondition, async () => await Tasks.DeleteTaskAsync(
                new DeleteTaskRequest { Id = task.Id }, cancellationToken: ct));

            var unchanged = (await GetAsync(task.Id, ct)).Task;
            Assert.Equal((TaskStatus.Running, task.Title), (unchanged.Status, unchanged.Title));
            await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: ct);
        }

        Assert.Equal(before.Active, (await orchestrator.Queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: ct)).Queue.Active);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task CancelTask_Running_WorkerToldToStopRunCancelledAndItsLateResultAcknowledged()
    {
        var ct = TestContext.Current.CancellationToken;
        var (worker, task, assignment) = await DispatchAsync(ct);
        using (worker)
        {
            var cancelled = (await Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id, Reason = "wrong idea" }, cancellationToken: ct)).Task;
            Assert.Equal(TaskStatus.Cancelled, cancelled.Status);

            var message = await worker.ReadAsync(ct);
            Assert.Equal(assignment.AssignmentId, message.Cancel?.AssignmentId);
            var run = Assert.Single((await GetAsync(task.Id, ct)).Runs);
            Assert.Equal((RunOutcome.Cancelled, "wrong idea"), (run.Outcome, run.Error));

            var answer = await worker.SendResultAsync(assignment, new AgentResult { Outcome = AgentOutcome.Cancelled }, ct);
            Assert.True(answer.Acknowledgement?.ResultStored, $"Expected the result to be stored, got {answer}");
        }

        var after = await GetAsync(task.Id, ct);
        Assert.Equal(TaskStatus.Cancelled, after.Task.Status);
        Assert.Equal(RunOutcome.Cancelled, Assert.Single(after.Runs).Outcome);
    }

    /// <summary>Connects a worker for a fresh vendor, queues a task for it and waits until the worker holds the assignment.</summary>
    private async Task<(FakeWorker Worker, AgentTask Task, Assignment Assignment)> DispatchAsync(
        CancellationToken cancellationToken, Action<CreateTaskRequest>? configure = null)
    {
        var vendor = orchestrator.UniqueName("fake");
        var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(vendor), cancellationToken);
        try
        {
            var repository = await orchestrator.AddRepositoryAsync(cancellationToken);
            var task = await orchestrator.CreateTaskAsync(repository, $"work for {vendor}", cancellationToken, request =>
            {
                request.Vendor = vendor;
                request.Enqueue = true;
                configure?.Invoke(request);
            });
            var assignment = await worker.NextAssignmentAsync(cancellationToken);
            Assert.Equal(task.Id, assignment.TaskId);
            return (worker, task, assignment);
        }
        catch
        {
            worker.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the task finished (delivery included).</summary>
    private async Task<GetTaskResponse> WaitForFinishedAsync(long taskId, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(FakeWorker.ReadTimeout);
        while (true)
        {
            var response = await GetAsync(taskId, bounded.Token);
            if (response.Task.Status is TaskStatus.Done or TaskStatus.Failed or TaskStatus.Blocked or TaskStatus.Cancelled)
            {
                return response;
            }

            await Task.Delay(50, bounded.Token);
        }
    }

    /// <summary>
    /// Waits until the orchestrator has noticed that <paramref name="worker"/> (disposed) is gone, so no dispatch can place
    /// work on it any more.
    /// </summary>
    private async Task WaitUntilDisconnectedAsync(FakeWorker worker, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(FakeWorker.ReadTimeout);
        while ((await orchestrator.Queue.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: bounded.Token)).Workers
            .Any(w => w.Id == worker.Hello.WorkerId && w.Connected))
        {
            await Task.Delay(50, bounded.Token);
        }
    }

    private async Task<GetTaskResponse> GetAsync(long id, CancellationToken cancellationToken) =>
        await Tasks.GetTaskAsync(new GetTaskRequest { Id = id }, cancellationToken: cancellationToken);
}
