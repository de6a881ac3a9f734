using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Tests.Tasks;
using Rpc;

namespace DevServer.Orchestrator.Tests.Queue;

/// <summary>
/// QueueService on an orchestrator no worker ever connects to: the queue's settings and counts, and the (empty) worker
/// list. Each test puts the settings back (not paused, concurrency 2) when it ends.
/// </summary>
public sealed class QueueApiTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>, IAsyncLifetime
{
    private const int TimeoutMs = 60_000;

    private QueueService.QueueServiceClient Queue => orchestrator.Queue;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() =>
        await Queue.UpdateQueueAsync(new UpdateQueueRequest { Paused = false, MaxConcurrency = 2 }, cancellationToken: CancellationToken.None);

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateQueue_PauseThenResume_OnlyPausedChanges()
    {
        var ct = TestContext.Current.CancellationToken;
        await Queue.UpdateQueueAsync(new UpdateQueueRequest { MaxConcurrency = 3 }, cancellationToken: ct);

        var paused = (await Queue.UpdateQueueAsync(new UpdateQueueRequest { Paused = true }, cancellationToken: ct)).Queue;
        var read = (await Queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: ct)).Queue;
        var resumed = (await Queue.UpdateQueueAsync(new UpdateQueueRequest { Paused = false }, cancellationToken: ct)).Queue;

        Assert.Equal((true, 3), (paused.Paused, paused.MaxConcurrency));
        Assert.Equal(paused, read);
        Assert.Equal((false, 3), (resumed.Paused, resumed.MaxConcurrency));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateQueue_ConcurrencyOnly_PausedKept()
    {
        var ct = TestContext.Current.CancellationToken;
        await Queue.UpdateQueueAsync(new UpdateQueueRequest { Paused = true }, cancellationToken: ct);

        var updated = (await Queue.UpdateQueueAsync(new UpdateQueueRequest { MaxConcurrency = 7 }, cancellationToken: ct)).Queue;

        Assert.Equal((true, 7), (updated.Paused, updated.MaxConcurrency));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(1)]
    [InlineData(10)]
    public async Task UpdateQueue_ConcurrencyAtTheBounds_Accepted(int maxConcurrency)
    {
        var updated = (await Queue.UpdateQueueAsync(
            new UpdateQueueRequest { MaxConcurrency = maxConcurrency }, cancellationToken: TestContext.Current.CancellationToken)).Queue;

        Assert.Equal(maxConcurrency, updated.MaxConcurrency);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(-1)]
    public async Task UpdateQueue_ConcurrencyOutOfRange_InvalidArgumentAndNothingChanges(int maxConcurrency)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = (await Queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: ct)).Queue;

        // Paused is valid; it must not be applied without the rest of the request.
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Queue.UpdateQueueAsync(
            new UpdateQueueRequest { Paused = !before.Paused, MaxConcurrency = maxConcurrency }, cancellationToken: ct));

        Assert.Equal(before, (await Queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: ct)).Queue);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateQueue_NothingSet_InvalidArgument()
    {
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Queue.UpdateQueueAsync(
            new UpdateQueueRequest(), cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetQueue_TasksQueuedAndCancelled_QueuedCountFollowsAndNothingIsActive()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = (await Queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: ct)).Queue;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var first = await orchestrator.CreateTaskAsync(repository, "queued 1", ct, request => request.Enqueue = true);
        await orchestrator.CreateTaskAsync(repository, "queued 2", ct, request => request.Enqueue = true);
        await orchestrator.CreateTaskAsync(repository, "pending", ct);

        var withTwo = (await Queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: ct)).Queue;
        await orchestrator.Tasks.CancelTaskAsync(new CancelTaskRequest { Id = first.Id }, cancellationToken: ct);
        var withOne = (await Queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: ct)).Queue;

        Assert.Equal((before.Queued + 2, 0), (withTwo.Queued, withTwo.Active));
        Assert.Equal((before.Queued + 1, 0), (withOne.Queued, withOne.Active));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListWorkers_NoWorkerEverConnected_Empty()
    {
        var workers = await Queue.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Empty(workers.Workers);
    }
}
