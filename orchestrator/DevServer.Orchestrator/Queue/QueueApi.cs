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
    /// previous message (changes meanwhile fold into it), and without changes one every <see cref="MaxInterval"/>. The
    /// watch is registered before the first read, so a change committed at any moment after the call starts is shown.
    /// </summary>
    public override async Task WatchQueue(WatchQueueRequest request, IServerStreamWriter<WatchQueueResponse> responseStream, ServerCallContext context)
    {
        var zone = TodayStart.Resolve(request.TimeZone);
        var cancellationToken = context.CancellationToken;
        using var watch = changes.Watch();
        try
        {
            WatchQueueResponse? last = null;
            var changed = false;
            while (true)
            {
                // Reset before reading: a change during the read is either in this snapshot or calls for the next one.
                watch.Reset();
                var snapshot = await snapshots.ReadSnapshotAsync(zone, cancellationToken);
                // A change that shows nothing new (another queue's task, a worker's load reported twice) is not sent.
                if (!changed || !snapshot.Equals(last))
                {
                    await responseStream.WriteAsync(snapshot, cancellationToken);
                    last = snapshot;
                }

                var sent = clock.GetTimestamp();
                changed = await watch.WaitAsync(MaxInterval, cancellationToken);
                var pause = MinInterval - clock.GetElapsedTime(sent);
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
