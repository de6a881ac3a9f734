using System.Threading.Channels;
using Npgsql;
using Quartz;

namespace DevServer.Orchestrator.Hosting;

/// <summary>
/// A background loop that does its work when woken — wake-ups that arrive while it works fold into one more round —
/// and, when it has a safety interval, at least that often anyway (a lost NOTIFY, a crash between commit and
/// wake-up). A round that fails on the database, or on a worker connection that closed under it, is logged and retried
/// on the next wake-up.
/// </summary>
/// <remarks>
/// An exception that escapes a round ends the loop and, through the host's StopHost behaviour, the whole orchestrator.
/// A closed connection is expected here: a worker that disconnects (or reconnects, replacing its old connection) closes
/// its outgoing channel before the registry forgets it, so a round that found it a moment earlier meets a
/// <see cref="ChannelClosedException"/> on its send. The next round no longer finds that connection.
/// </remarks>
internal abstract partial class WakeableLoop(ILogger logger, TimeSpan? safetyInterval) : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a round soon; never blocks.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Runs once before the first round.</summary>
    protected virtual Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One round of work.</summary>
    protected abstract Task RunRoundAsync(CancellationToken cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await StartingAsync(stoppingToken);
            while (await WaitForWakeAsync(stoppingToken))
            {
                try
                {
                    await RunRoundAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is NpgsqlException or TimeoutException or SchedulerException or ChannelClosedException)
                {
                    LogRoundFailed(logger, GetType().Name, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> WaitForWakeAsync(CancellationToken stoppingToken)
    {
        if (safetyInterval is not { } interval)
        {
            return await _wake.Reader.WaitToReadAsync(stoppingToken) && _wake.Reader.TryRead(out _);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(interval);
        try
        {
            await _wake.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The safety interval passed without a wake-up: a round anyway.
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Loop}: a round failed; retrying on the next wake-up")]
    private static partial void LogRoundFailed(ILogger logger, string loop, Exception exception);
}
