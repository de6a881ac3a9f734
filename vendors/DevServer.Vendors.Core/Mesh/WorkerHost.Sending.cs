using DevServer.Contracts.Mesh.V1;
using Rpc;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>
/// What goes up the stream: heartbeats and the outboxes, written by one loop per connection (stream writers are not
/// thread-safe), which reporters, finished handlers and the heartbeat timer wake through a one-slot channel.
/// </summary>
internal sealed partial class WorkerHost
{
    // A WorkEvents message stays far below the 4 MiB an orchestrator accepts by default (lines are cut at 4 KiB).
    private const int MaxEventsPerBatch = 256;
    private const int MaxBatchBytes = 1024 * 1024;

    // The worker's own log entries go up at most this often, behind the work's events and results.
    private static readonly TimeSpan LogForwardingInterval = TimeSpan.FromMilliseconds(250);

    private int _logsDue;

    private TimeSpan HeartbeatInterval(Welcome welcome)
    {
        var interval = welcome.HeartbeatInterval?.ToTimeSpan() ?? TimeSpan.Zero;
        if (interval > TimeSpan.Zero)
        {
            // A floor, so a mistaken tiny interval cannot turn the heartbeat into a busy loop.
            return interval < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : interval;
        }

        var fallback = TimeSpan.FromSeconds(10);
        WorkerLog.NoHeartbeatInterval(logger, fallback);
        return fallback;
    }

    private async Task HeartbeatLoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            Volatile.Write(ref _heartbeatDue, 1);
            Wake();
        }
    }

    /// <summary>Asks the writer for a <see cref="WorkerLogs"/> message a few times a second while entries wait.</summary>
    private async Task LogForwardingLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(LogForwardingInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (forwardedLogs.HasPending)
            {
                Volatile.Write(ref _logsDue, 1);
                Wake();
            }
        }
    }

    /// <summary>
    /// The only writer of the request stream (stream writers are not thread-safe): on each wake-up, a heartbeat if
    /// one is due, then whatever the outboxes hold that this connection has not sent. On stop it sends the log entries
    /// still buffered, then half-closes.
    /// </summary>
    private async Task WriteLoopAsync(IClientStreamWriter<ConnectRequest> requests, CancellationToken stop, CancellationToken aborted)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stop, aborted);
        var signals = _wake.Reader;
        try
        {
            do
            {
                while (signals.TryRead(out _))
                {
                }

                if (Interlocked.Exchange(ref _heartbeatDue, 0) == 1)
                {
                    var active = _assignments.Values.Count(a => !a.HasResult);
                    await requests.WriteAsync(new ConnectRequest { Heartbeat = new Heartbeat { Active = active } }, aborted);
                }

                await FlushOutboxesAsync(requests, aborted);
                await ForwardLogsAsync(requests, aborted);
            }
            while (await signals.WaitToReadAsync(waiting.Token));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            // Whatever the worker logged until now, its stop's warnings included, would otherwise die with the process.
            // RunConnectionAsync bounds the time this may take by aborting the call.
            await ForwardAllLogsAsync(requests, aborted);
            await requests.CompleteAsync();
        }
    }

    private async Task FlushOutboxesAsync(IClientStreamWriter<ConnectRequest> requests, CancellationToken cancellationToken)
    {
        bool sent;
        do
        {
            // One message per assignment per round, so a chatty assignment does not hold back another's result.
            sent = false;
            foreach (var assignment in _assignments.Values)
            {
                if (assignment.TakeNext(MaxEventsPerBatch, MaxBatchBytes) is { } request)
                {
                    await requests.WriteAsync(request, cancellationToken);
                    sent = true;
                }
            }
        }
        while (sent);
    }

    /// <summary>One message of the worker's own log entries, when one is due: after the outboxes, so it never holds up work.</summary>
    private async Task ForwardLogsAsync(IClientStreamWriter<ConnectRequest> requests, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _logsDue, 0) == 1 && forwardedLogs.Take() is { } logs)
        {
            await SendLogsAsync(requests, logs, cancellationToken);
        }
    }

    /// <summary>Every entry that waits, in as many messages as it takes: the last thing a stopping worker sends.</summary>
    private async Task ForwardAllLogsAsync(IClientStreamWriter<ConnectRequest> requests, CancellationToken cancellationToken)
    {
        while (forwardedLogs.Take() is { } logs)
        {
            await SendLogsAsync(requests, logs, cancellationToken);
        }
    }

    private async Task SendLogsAsync(IClientStreamWriter<ConnectRequest> requests, WorkerLogs logs, CancellationToken cancellationToken)
    {
        try
        {
            await requests.WriteAsync(new ConnectRequest { Logs = logs }, cancellationToken);
        }
        catch
        {
            // Best effort: the orchestrator hears how many were lost with the next message.
            forwardedLogs.CountLost(logs.Entries.Count + logs.Dropped);
            throw;
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);
}
