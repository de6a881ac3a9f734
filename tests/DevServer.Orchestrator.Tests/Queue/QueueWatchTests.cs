using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Settings.V1;
using DevServer.Orchestrator.Tests.Tasks;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Queue;

/// <summary>
/// WatchQueue and the queue's counts on the built orchestrator: the first snapshot, and the next one after each kind
/// of change (a worker connects, a task is queued, the queue is paused), each within a bound. Each test puts the
/// settings back (not paused, concurrency 2) when it ends.
/// </summary>
public sealed class QueueWatchTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>, IAsyncLifetime
{
    private const int TimeoutMs = 90_000;

    /// <summary>A change is shown within this (the coalescing adds 250 ms; the idle heartbeat would take 15 s).</summary>
    private static readonly TimeSpan ChangeShownWithin = TimeSpan.FromSeconds(10);

    private QueueService.QueueServiceClient Queue => orchestrator.Queue;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() =>
        await Queue.UpdateQueueAsync(new UpdateQueueRequest { Paused = false, MaxConcurrency = 2 }, cancellationToken: CancellationToken.None);

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_Started_FirstSnapshotAtOnceAsGetQueueAndListWorkersSayIt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(orchestrator.UniqueName("first")), ct);
        var queue = (await Queue.GetQueueAsync(new GetQueueRequest { TimeZone = "Europe/Berlin" }, cancellationToken: ct)).Queue;
        var workers = (await Queue.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: ct)).Workers;

        using var watch = Watch("Europe/Berlin", ct);
        var first = await watch.NextAsync(ct, ChangeShownWithin);

        Assert.Equal(queue, first.Queue);
        Assert.Equal(workers, first.Workers);
        Assert.Contains(first.Workers, w => w.Id == worker.Hello.WorkerId && w.Connected);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_WorkerConnects_NextSnapshotListsItConnected()
    {
        var ct = TestContext.Current.CancellationToken;
        using var watch = Watch("", ct);
        await watch.NextAsync(ct);
        var hello = FakeWorker.VendorHello(orchestrator.UniqueName("joins"), capacity: 3);

        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);
        var shown = await Within(watch.UntilAsync(s => s.Workers.Any(w => w.Id == hello.WorkerId), ct));

        var listed = Assert.Single(shown.Workers, w => w.Id == hello.WorkerId);
        Assert.Equal((true, 3, hello.Vendor), (listed.Connected, listed.Capacity, listed.Vendor));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_WorkerDisconnects_NextSnapshotShowsItGone()
    {
        var ct = TestContext.Current.CancellationToken;
        var hello = FakeWorker.VendorHello(orchestrator.UniqueName("leaves"));
        var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);
        using var watch = Watch("", ct);
        await watch.UntilAsync(s => s.Workers.Any(w => w.Id == hello.WorkerId && w.Connected), ct);

        worker.Dispose();
        var shown = await Within(watch.UntilAsync(s => s.Workers.Any(w => w.Id == hello.WorkerId && !w.Connected), ct));

        Assert.False(shown.Workers.Single(w => w.Id == hello.WorkerId).Connected);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_HeartbeatReportsADifferentLoad_NextSnapshotBeforeTheIdleOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var hello = FakeWorker.VendorHello(orchestrator.UniqueName("load"), capacity: 2);
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, ct);
        using var watch = Watch("", ct);
        var seen = (await watch.UntilAsync(s => s.Workers.Any(w => w.Id == hello.WorkerId), ct)).Workers.Single(w => w.Id == hello.WorkerId).LastSeenAt;

        // Only the heartbeat's new load announces it; the heartbeat time it stores is what the next snapshot shows.
        await worker.SendAsync(new ConnectRequest { Heartbeat = new Heartbeat { Active = 1 } }, ct);
        var shown = await Within(watch.UntilAsync(s => s.Workers.Single(w => w.Id == hello.WorkerId).LastSeenAt != seen, ct));

        Assert.True(shown.Workers.Single(w => w.Id == hello.WorkerId).Connected);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_TaskQueued_NextSnapshotCountsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        using var watch = Watch("", ct);
        var before = (await watch.NextAsync(ct)).Queue;

        await orchestrator.CreateTaskAsync(repository, "watched", ct, request => request.Enqueue = true);
        var shown = await Within(watch.UntilAsync(s => s.Queue.Queued == before.Queued + 1, ct));

        Assert.Equal(before.Queued + 1, shown.Queue.Counts.Single(c => c.Status == TaskStatus.Queued).Count);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_TaskDeleted_NextSnapshotNoLongerCountsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "deleted while watched", ct, request => request.Enqueue = false);
        using var watch = Watch("", ct);
        var before = Count((await watch.NextAsync(ct)).Queue, TaskStatus.Pending);

        await orchestrator.Tasks.DeleteTaskAsync(new Contracts.Tasks.V1.DeleteTaskRequest { Id = task.Id }, cancellationToken: ct);
        var shown = await Within(watch.UntilAsync(s => Count(s.Queue, TaskStatus.Pending) == before - 1, ct));

        Assert.Equal(before - 1, Count(shown.Queue, TaskStatus.Pending));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_QueuePaused_NextSnapshotShowsItPaused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var watch = Watch("", ct);
        Assert.False((await watch.NextAsync(ct)).Queue.Paused);

        await Queue.UpdateQueueAsync(new UpdateQueueRequest { Paused = true }, cancellationToken: ct);
        var shown = await Within(watch.UntilAsync(s => s.Queue.Paused, ct));

        Assert.Equal(2, shown.Queue.MaxConcurrency);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_SettingsChangeTheConcurrency_NextSnapshotShowsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var watch = Watch("", ct);
        await watch.NextAsync(ct);

        await new SettingsService.SettingsServiceClient(orchestrator.AdminInvoker).UpdateSettingsAsync(
            new UpdateSettingsRequest { MaxConcurrency = 9 }, cancellationToken: ct);
        var shown = await Within(watch.UntilAsync(s => s.Queue.MaxConcurrency == 9, ct));

        Assert.False(shown.Queue.Paused);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetQueue_TasksFinishedToday_CountedInTheCallersZone()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "cancelled today", ct, request => request.Enqueue = true);
        var before = (await Queue.GetQueueAsync(new GetQueueRequest { TimeZone = "Pacific/Kiritimati" }, cancellationToken: ct)).Queue;

        await orchestrator.Tasks.CancelTaskAsync(new Contracts.Tasks.V1.CancelTaskRequest { Id = task.Id }, cancellationToken: ct);
        var after = (await Queue.GetQueueAsync(new GetQueueRequest { TimeZone = "Pacific/Kiritimati" }, cancellationToken: ct)).Queue;

        // Cancelled is neither done nor failed; it only moves between the counts.
        Assert.Equal((before.CompletedToday, before.FailedToday), (after.CompletedToday, after.FailedToday));
        Assert.Equal(before.Queued - 1, after.Queued);
        Assert.Equal(Count(before, TaskStatus.Cancelled) + 1, Count(after, TaskStatus.Cancelled));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("Nowhere/Special")]
    [InlineData("../UTC")]
    public async Task GetQueue_UnknownTimeZone_InvalidArgument(string zone)
    {
        var error = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () =>
            await Queue.GetQueueAsync(new GetQueueRequest { TimeZone = zone }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(zone, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchQueue_UnknownTimeZone_InvalidArgument()
    {
        var ct = TestContext.Current.CancellationToken;
        using var watch = Watch("Nowhere/Special", ct);

        var error = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => watch.NextAsync(ct));

        Assert.Contains("time_zone", error.Status.Detail, StringComparison.Ordinal);
    }

    private static int Count(QueueState queue, TaskStatus status) => queue.Counts.SingleOrDefault(c => c.Status == status)?.Count ?? 0;

    private static Task<WatchQueueResponse> Within(Task<WatchQueueResponse> snapshot) => snapshot.WaitAsync(ChangeShownWithin);

    private QueueWatchReader Watch(string timeZone, CancellationToken cancellationToken) =>
        new(Queue.WatchQueue(new WatchQueueRequest { TimeZone = timeZone }, cancellationToken: cancellationToken));
}
