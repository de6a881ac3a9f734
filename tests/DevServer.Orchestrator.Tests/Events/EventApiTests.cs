using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Tests.Tasks;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Events;

/// <summary>
/// EventService on the running orchestrator: pages of one task's history, and the two watches (one task, every task)
/// with their starting points and their end. Events are made through the task API (create, update, queue, cancel).
/// </summary>
/// <remarks>Only <see cref="WatchEvents_FromZero_ReplaysEveryStoredEventInPositionOrder"/> deletes a task: it checks that positions have no holes but that one.</remarks>
public sealed class EventApiTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>
{
    private const int TimeoutMs = 60_000;
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(20);

    private EventService.EventServiceClient Events => orchestrator.Events;

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTaskEvents_PagesOfTwo_MoreUntilTheLastEvent()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskWithEventsAsync(5, ct);

        var pages = new List<(long[] Sequences, bool More)>();
        foreach (var after in new long[] { 0, 2, 3, 4, 5 })
        {
            var page = await Events.ListTaskEventsAsync(new ListTaskEventsRequest { TaskId = task.Id, AfterSequence = after, PageSize = 2 }, cancellationToken: ct);
            pages.Add(([.. page.Events.Select(e => e.Sequence)], page.More));
        }

        Assert.Equal<long>([1, 2], pages[0].Sequences);
        Assert.True(pages[0].More);
        Assert.Equal<long>([3, 4], pages[1].Sequences);
        Assert.True(pages[1].More);
        Assert.Equal<long>([4, 5], pages[2].Sequences);
        Assert.False(pages[2].More);
        Assert.Equal<long>([5], pages[3].Sequences);
        Assert.False(pages[3].More);
        Assert.Empty(pages[4].Sequences);
        Assert.False(pages[4].More);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTaskEvents_PageSizeUnset_WholeShortHistoryWithoutMore()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskWithEventsAsync(3, ct);

        var page = await Events.ListTaskEventsAsync(new ListTaskEventsRequest { TaskId = task.Id }, cancellationToken: ct);

        Assert.Equal<long>([1, 2, 3], page.Events.Select(e => e.Sequence));
        Assert.All(page.Events, e => Assert.Equal(task.Id, e.TaskId));
        Assert.False(page.More);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(-1)]
    [InlineData(1001)]
    public async Task ListTaskEvents_PageSizeOutOfRange_InvalidArgument(int pageSize)
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskWithEventsAsync(1, ct);

        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Events.ListTaskEventsAsync(
            new ListTaskEventsRequest { TaskId = task.Id, PageSize = pageSize }, cancellationToken: ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ListTaskEvents_UnknownTask_NotFound()
    {
        await RpcAssert.FailsAsync(StatusCode.NotFound, async () => await Events.ListTaskEventsAsync(
            new ListTaskEventsRequest { TaskId = 987_654_321 }, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchTaskEvents_UnknownTask_NotFound()
    {
        await RpcAssert.FailsAsync(StatusCode.NotFound, () => FirstTaskEventAsync(new WatchTaskEventsRequest { TaskId = 987_654_321 }));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(0, 0)]
    [InlineData(-3, 0)]
    [InlineData(1, -1)]
    public async Task WatchTaskEvents_BadTaskIdOrSequence_InvalidArgument(long taskId, long afterSequence)
    {
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, () => FirstTaskEventAsync(
            new WatchTaskEventsRequest { TaskId = taskId, AfterSequence = afterSequence }));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchTaskEvents_AfterSequence_SendsTheLaterHistoryThenLiveEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskWithEventsAsync(3, ct);
        using var watch = Events.WatchTaskEvents(new WatchTaskEventsRequest { TaskId = task.Id, AfterSequence = 2 }, cancellationToken: ct);

        var history = await NextAsync(watch.ResponseStream, ct);
        await orchestrator.Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = task.Id, Title = "live" }, cancellationToken: ct);
        var live = await NextAsync(watch.ResponseStream, ct);

        Assert.Equal((task.Id, 3L), (history.Event.TaskId, history.Event.Sequence));
        Assert.Equal((task.Id, 4L), (live.Event.TaskId, live.Event.Sequence));
        Assert.Equal(["title"], live.Event.TaskUpdated.Fields);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchTaskEvents_UntilFinished_EndsAfterTheCancel()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "to be cancelled", ct, request => request.Enqueue = true);
        using var watch = Events.WatchTaskEvents(new WatchTaskEventsRequest { TaskId = task.Id, UntilFinished = true }, cancellationToken: ct);
        var seen = new List<TaskEvent> { (await NextAsync(watch.ResponseStream, ct)).Event };

        await orchestrator.Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id, Reason = "stop watching" }, cancellationToken: ct);
        seen.AddRange(await ReadToEndAsync(watch.ResponseStream, ct));

        Assert.Equal<long>([1, 2, 3], seen.Select(e => e.Sequence));
        Assert.Equal((TaskStatus.Queued, TaskStatus.Cancelled, "stop watching"), (seen[^1].StatusChanged.From, seen[^1].StatusChanged.To, seen[^1].StatusChanged.Reason));
        Assert.Equal(StatusCode.OK, watch.GetStatus().StatusCode);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchTaskEvents_UntilFinishedOnAFinishedTask_SendsTheHistoryAndEnds()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        var task = await orchestrator.CreateTaskAsync(repository, "already cancelled", ct);
        await orchestrator.Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: ct);
        using var watch = Events.WatchTaskEvents(new WatchTaskEventsRequest { TaskId = task.Id, UntilFinished = true }, cancellationToken: ct);

        var seen = await ReadToEndAsync(watch.ResponseStream, ct);

        Assert.Equal<long>([1, 2], seen.Select(e => e.Sequence));
        Assert.Equal(StatusCode.OK, watch.GetStatus().StatusCode);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchEvents_AfterPositionMinusOne_SendsOnlyEventsStoredAfterTheWatchStarted()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        await TaskWithEventsAsync(3, ct);
        var target = await orchestrator.CreateTaskAsync(repository, "poked", ct);
        var newestBefore = (await orchestrator.ReadEventsAsync(target.Id, ct))[^1].Position;
        using var watch = Events.WatchEvents(new WatchEventsRequest { AfterPosition = -1 }, cancellationToken: ct);

        // The server reads where the log ends when the call arrives, which the client cannot observe: keep making
        // events until the first one comes through. Whatever comes must be newer than everything stored before.
        var first = await NextWhilePokingAsync(watch.ResponseStream, target.Id, ct);

        Assert.True(first.Event.Position > newestBefore, $"Got position {first.Event.Position}, stored before the watch: up to {newestBefore}.");
        Assert.Equal(target.Id, first.Event.TaskId);
        Assert.NotNull(first.Event.TaskUpdated);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchEvents_PositionBelowMinusOne_InvalidArgument()
    {
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () =>
        {
            using var watch = Events.WatchEvents(new WatchEventsRequest { AfterPosition = -2 }, cancellationToken: TestContext.Current.CancellationToken);
            await watch.ResponseStream.MoveNext(TestContext.Current.CancellationToken);
        });
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchEvents_FromZero_ReplaysEveryStoredEventInPositionOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await orchestrator.AddRepositoryAsync(ct);
        var second = await orchestrator.AddRepositoryAsync(ct);
        // Interleave changes of several tasks so their positions interleave too.
        var a = await orchestrator.CreateTaskAsync(first, "a", ct);
        var b = await orchestrator.CreateTaskAsync(second, "b", ct, request => request.Enqueue = true);
        await orchestrator.Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = a.Id, Priority = 1 }, cancellationToken: ct);
        await orchestrator.Tasks.CancelTaskAsync(new CancelTaskRequest { Id = b.Id }, cancellationToken: ct);
        var deleted = await orchestrator.CreateTaskAsync(first, "deleted", ct);
        var deletedPositions = (await orchestrator.ReadEventsAsync(deleted.Id, ct)).Select(e => e.Position).ToHashSet();
        await orchestrator.Tasks.DeleteTaskAsync(new DeleteTaskRequest { Id = deleted.Id }, cancellationToken: ct);
        await orchestrator.Tasks.EnqueueTaskAsync(new EnqueueTaskRequest { Id = a.Id }, cancellationToken: ct);
        var last = await orchestrator.CreateTaskAsync(second, "last", ct);
        var stored = new List<TaskEvent>();
        foreach (var task in new[] { a, b, last })
        {
            stored.AddRange(await orchestrator.ReadEventsAsync(task.Id, ct));
        }

        var lastPosition = stored.Max(e => e.Position);
        using var watch = Events.WatchEvents(new WatchEventsRequest { AfterPosition = 0 }, cancellationToken: ct);
        var replayed = new List<TaskEvent>();
        while (replayed.Count == 0 || replayed[^1].Position < lastPosition)
        {
            replayed.Add((await NextAsync(watch.ResponseStream, ct)).Event);
        }

        var positions = replayed.Select(e => e.Position).ToList();
        Assert.Equal(1, positions[0]);
        Assert.True(positions.Zip(positions.Skip(1)).All(p => p.First < p.Second), $"Positions out of order: {string.Join(", ", positions)}");
        // Every position up to the last one is there, except the deleted task's.
        Assert.Equal(Enumerable.Range(1, (int)lastPosition).Select(p => (long)p).Where(p => !deletedPositions.Contains(p)), positions);
        var mine = new HashSet<long> { a.Id, b.Id, last.Id };
        Assert.Equal(stored.OrderBy(e => e.Position), replayed.Where(e => mine.Contains(e.TaskId)));
        Assert.DoesNotContain(replayed, e => e.TaskId == deleted.Id);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchTaskEvents_AnnounceCaughtUp_HistoryThenOneCaughtUpThenLiveEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskWithEventsAsync(3, ct);
        using var watch = Events.WatchTaskEvents(new WatchTaskEventsRequest { TaskId = task.Id, AfterSequence = 1, AnnounceCaughtUp = true }, cancellationToken: ct);

        var beforeLive = new[] { await NextAsync(watch.ResponseStream, ct), await NextAsync(watch.ResponseStream, ct), await NextAsync(watch.ResponseStream, ct) };
        await orchestrator.Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = task.Id, Title = "live" }, cancellationToken: ct);
        var live = await NextAsync(watch.ResponseStream, ct);

        Assert.Equal([(2L, false), (3L, false), (0L, true)], beforeLive.Select(r => (r.Event?.Sequence ?? 0, r.CaughtUp)));
        Assert.Null(beforeLive[2].Event);
        Assert.Equal((4L, false), (live.Event.Sequence, live.CaughtUp));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchTaskEvents_AnnounceCaughtUpNothingAfterTheSequence_CaughtUpFirst()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskWithEventsAsync(2, ct);
        using var watch = Events.WatchTaskEvents(new WatchTaskEventsRequest { TaskId = task.Id, AfterSequence = 2, AnnounceCaughtUp = true }, cancellationToken: ct);

        // Without the announcement nothing would arrive here until the task changes.
        var first = await NextAsync(watch.ResponseStream, ct);

        Assert.True(first.CaughtUp);
        Assert.Null(first.Event);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchEvents_AnnounceCaughtUpOnlyNewEvents_CaughtUpFirstThenTheNextEvent()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskWithEventsAsync(1, ct);
        using var watch = Events.WatchEvents(new WatchEventsRequest { AfterPosition = -1, AnnounceCaughtUp = true }, cancellationToken: ct);

        var first = await NextAsync(watch.ResponseStream, ct);
        await orchestrator.Tasks.UpdateTaskAsync(new UpdateTaskRequest { Id = task.Id, Title = "after caught up" }, cancellationToken: ct);
        var next = await NextAsync(watch.ResponseStream, ct);

        Assert.Equal((true, (TaskEvent?)null), (first.CaughtUp, first.Event));
        Assert.False(next.CaughtUp);
        Assert.Equal(task.Id, next.Event.TaskId);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WatchEvents_WithoutAnnounceCaughtUp_EveryMessageCarriesAnEvent()
    {
        var ct = TestContext.Current.CancellationToken;
        var task = await TaskWithEventsAsync(1, ct);
        using var watch = Events.WatchEvents(new WatchEventsRequest { AfterPosition = -1 }, cancellationToken: ct);

        // A watch that did not ask keeps the old shape: the first message is the next event, not an announcement.
        var first = await NextWhilePokingAsync(watch.ResponseStream, task.Id, ct);

        Assert.False(first.CaughtUp);
        Assert.NotNull(first.Event);
    }

    /// <summary>A pending task with <paramref name="count"/> events: the creation, then title changes.</summary>
    private async Task<AgentTask> TaskWithEventsAsync(int count, CancellationToken cancellationToken)
    {
        var repository = await orchestrator.AddRepositoryAsync(cancellationToken);
        var task = await orchestrator.CreateTaskAsync(repository, "title 1", cancellationToken);
        for (var i = 2; i <= count; i++)
        {
            task = (await orchestrator.Tasks.UpdateTaskAsync(
                new UpdateTaskRequest { Id = task.Id, Title = $"title {i}" }, cancellationToken: cancellationToken)).Task;
        }

        Assert.Equal(count, task.LastEventSequence);
        return task;
    }

    /// <summary>The watch's next message, while the task's description changes every 200 ms until it arrives.</summary>
    private async Task<WatchEventsResponse> NextWhilePokingAsync(IAsyncStreamReader<WatchEventsResponse> stream, long taskId, CancellationToken cancellationToken)
    {
        using var poking = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poker = PokeAsync(taskId, poking.Token);
        try
        {
            return await NextAsync(stream, cancellationToken);
        }
        finally
        {
            await poking.CancelAsync();
            await poker;
        }
    }

    /// <summary>Changes the task's description every 200 ms until cancelled.</summary>
    private async Task PokeAsync(long taskId, CancellationToken cancellationToken)
    {
        try
        {
            for (var i = 0; ; i++)
            {
                await orchestrator.Tasks.UpdateTaskAsync(
                    new UpdateTaskRequest { Id = taskId, Description = $"poke {i}" }, cancellationToken: cancellationToken);
                await Task.Delay(200, cancellationToken);
            }
        }
        catch (Exception exception) when (cancellationToken.IsCancellationRequested
            && exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
    }

    private async Task<TaskEvent> FirstTaskEventAsync(WatchTaskEventsRequest request)
    {
        var ct = TestContext.Current.CancellationToken;
        using var watch = Events.WatchTaskEvents(request, cancellationToken: ct);
        return (await NextAsync(watch.ResponseStream, ct)).Event;
    }

    /// <summary>The next message, within <see cref="StreamTimeout"/>.</summary>
    private static async Task<T> NextAsync<T>(IAsyncStreamReader<T> stream, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(StreamTimeout);
        Assert.True(await stream.MoveNext(bounded.Token), "The stream ended.");
        return stream.Current;
    }

    /// <summary>Reads until the server ends the stream, within <see cref="StreamTimeout"/>.</summary>
    private static async Task<List<TaskEvent>> ReadToEndAsync(IAsyncStreamReader<WatchTaskEventsResponse> stream, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(StreamTimeout);
        var events = new List<TaskEvent>();
        while (await stream.MoveNext(bounded.Token))
        {
            events.Add(stream.Current.Event);
        }

        return events;
    }
}
