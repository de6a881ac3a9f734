using DevServer.Contracts.Queue.V1;
using DevServer.Orchestrator.Settings;
using DevServer.Orchestrator.Tasks;
using Rpc;

namespace DevServer.Orchestrator.Queue;

/// <summary>
/// Pausing, the global concurrency limit, the worker list, and the live picture of both. The settings live in the
/// database (<see cref="SettingsStore"/>, shared with SettingsService) so every orchestrator honours them.
/// </summary>
internal sealed class QueueApi(QueueSnapshots snapshots, SettingsStore settings, QueueChanges changes, TimeProvider clock) : QueueService.QueueServiceBase
{
    /// <summary>Changes closer together than this reach a watcher as one message.</summary>
    internal static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>A watcher gets a message at least this often, so heartbeat times and leases stay current.</summary>
    internal static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(15);

    public override async Task<GetQueueResponse> GetQueue(GetQueueRequest request, ServerCallContext context) =>
        new() { Queue = await snapshots.ReadStateAsync(TodayStart.Resolve(request.TimeZone), context.CancellationToken) };

    public override async Task<UpdateQueueResponse> UpdateQueue(UpdateQueueRequest request, ServerCallContext context)
    {
        if (!request.HasPaused && !request.HasMaxConcurrency)
        {
            throw TaskValidation.Invalid("set paused or max_concurrency.");
        }

        await settings.UpdateAsync(
            new SettingsChange(
                Paused: request.HasPaused ? request.Paused : null,
                MaxConcurrency: request.HasMaxConcurrency ? request.MaxConcurrency : null),
            context.CancellationToken);
        // The request has no time zone: today's figures are UTC's.
        return new UpdateQueueResponse { Queue = await snapshots.ReadStateAsync(TimeZoneInfo.Utc, context.CancellationToken) };
    }

    public override async Task<ListWorkersResponse> ListWorkers(ListWorkersRequest request, ServerCallContext context)
    {
        var response = new ListWorkersResponse();
        response.Workers.AddRange(await snapshots.ReadWorkersAsync(context.CancellationToken));
        return response;
    }

    /// <summary>
    /// The first snapshot at once; then, after each change, the next one no sooner than <see cref="MinInterval"/> after the
    /// previous read (changes meanwhile fold into it). Some changes happen by the clock alone, with nothing written to
    /// announce them (a worker's lease runs out, a vendor pause ends, a new day starts): the watch also reads again at
    /// the first such moment. Without changes a snapshot goes out every <see cref="MaxInterval"/>. The watch is
    /// registered before the first read, so a change committed at any moment after the call starts is shown.
    /// </summary>
    public override async Task WatchQueue(WatchQueueRequest request, IServerStreamWriter<WatchQueueResponse> responseStream, ServerCallContext context)
    {
        var zone = TodayStart.Resolve(request.TimeZone);
        var cancellationToken = context.CancellationToken;
        using var watch = changes.Watch();
        try
        {
            WatchQueueResponse? last = null;
            var sentAt = 0L;
            while (true)
            {
                // Reset before reading: a change during the read is either in this snapshot or calls for the next one.
                watch.Reset();
                var snapshot = await snapshots.ReadSnapshotAsync(zone, cancellationToken);
                var readAt = clock.GetTimestamp();
                // A snapshot that shows nothing new (another queue's task, a worker's load reported twice, a lease that
                // was renewed in time) is not sent, unless the watcher has heard nothing for MaxInterval. The timers
                // are not exact to the millisecond, hence the slack of one coalescing interval.
                if (last is null || !snapshot.Message.Equals(last) || clock.GetElapsedTime(sentAt) >= MaxInterval - MinInterval)
                {
                    await responseStream.WriteAsync(snapshot.Message, cancellationToken);
                    last = snapshot.Message;
                    sentAt = clock.GetTimestamp();
                }

                var untilStale = snapshot.StaleAt - clock.GetUtcNow();
                var untilIdle = MaxInterval - clock.GetElapsedTime(sentAt);
                var wait = untilStale < untilIdle ? untilStale : untilIdle;
                var changed = await watch.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken);
                var pause = MinInterval - clock.GetElapsedTime(readAt);
                if (changed && pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, clock, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away; the watch is removed on the way out.
        }
    }
}
