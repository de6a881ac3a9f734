using DevServer.Orchestrator.Tasks;
using Npgsql;

namespace DevServer.Orchestrator.Delivery;

/// <summary>
/// One delivery's claim on its task (<c>tasks.delivery_claimed_until</c>), renewed every third of
/// <see cref="DeliveryOptions.Lease"/> while the delivery runs: a delivery may take longer than the lease (a slow first
/// clone of a big repository runs several git commands of up to <see cref="DeliveryOptions.GitCommandTimeout"/>
/// each), and an expired lease lets another instance take the task and deliver it at the same time. A renewal is a
/// compare-and-set: it moves the claim only while the task is still delivering under the value this delivery holds.
/// When it finds the claim gone (another instance took it over after renewals failed, or the task was cancelled or
/// retried), <see cref="Token"/> is cancelled, which stops this delivery's git commands and forge requests.
/// The claim stays in the database when the lease stops: the outcome is recorded (or a crash lets it expire).
/// </summary>
internal sealed partial class DeliveryLease : IAsyncDisposable
{
    private readonly TaskTransitions _transitions;
    private readonly TimeSpan _lease;
    private readonly long _taskId;
    private readonly ILogger _logger;
    private readonly CancellationToken _shutdown;
    private readonly CancellationTokenSource _work;
    private readonly CancellationTokenSource _stop;
    private readonly PeriodicTimer _timer;
    private readonly Task _renewing;
    private DateTimeOffset _claim;
    private volatile bool _lost;

    private DeliveryLease(
        TaskTransitions transitions, TimeProvider clock, TimeSpan lease, long taskId, DateTimeOffset claim, ILogger logger, CancellationToken shutdown)
    {
        _transitions = transitions;
        _lease = lease;
        _taskId = taskId;
        _claim = claim;
        _logger = logger;
        _shutdown = shutdown;
        _work = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _timer = new PeriodicTimer(RenewalInterval(lease), clock);
        _renewing = RenewAsync();
    }

    /// <summary>For the delivery's work: cancelled at shutdown and when the claim is found lost.</summary>
    public CancellationToken Token => _work.Token;

    /// <summary>True once a renewal found that the task is no longer claimed by this delivery.</summary>
    public bool Lost => _lost;

    /// <summary>Starts renewing the claim taken until <paramref name="claim"/>.</summary>
    public static DeliveryLease Start(
        TaskTransitions transitions, TimeProvider clock, TimeSpan lease, long taskId, DateTimeOffset claim, ILogger logger, CancellationToken shutdown) =>
        new(transitions, clock, lease, taskId, claim, logger, shutdown);

    /// <summary>A third of the lease: two renewals may fail (a database hiccup) before the claim can expire.</summary>
    public static TimeSpan RenewalInterval(TimeSpan lease) => lease / 3;

    /// <summary>
    /// A claim's end, <paramref name="lease"/> after <paramref name="now"/>. PostgreSQL stores microseconds: rounded
    /// here, the value compared later is exactly the stored one.
    /// </summary>
    public static DateTimeOffset Until(DateTimeOffset now, TimeSpan lease)
    {
        var until = now + lease;
        return new DateTimeOffset(until.Ticks - (until.Ticks % 10), until.Offset);
    }

    /// <summary>True when the task (locked by <paramref name="change"/>) is delivering under the claim <paramref name="claim"/>.</summary>
    public static async Task<bool> IsHeldAsync(TaskChange change, DateTimeOffset claim, CancellationToken cancellationToken)
    {
        if (change.Status != TaskStatuses.Delivering)
        {
            return false;
        }

        await using var command = new NpgsqlCommand(
            "SELECT delivery_claimed_until = @claim FROM tasks WHERE id = @task", change.Transaction.Connection, change.Transaction);
        command.Parameters.AddWithValue("claim", claim);
        command.Parameters.AddWithValue("task", change.TaskId);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>
    /// Stops renewing and waits for a renewal in flight, so nothing moves the claim any more; returns the claim as this
    /// delivery holds it now, or null when it was lost.
    /// </summary>
    public async Task<DateTimeOffset?> StopAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        return _lost ? null : _claim;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _timer.Dispose();
        _stop.Dispose();
        _work.Dispose();
    }

    private async Task RenewAsync()
    {
        try
        {
            while (await _timer.WaitForNextTickAsync(_stop.Token))
            {
                if (!await RenewOnceAsync())
                {
                    _lost = true;
                    LogClaimLost(_logger, _taskId);
                    await _work.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped: the delivery ended (or the orchestrator shuts down and the lease simply expires).
        }
    }

    private async Task<bool> RenewOnceAsync()
    {
        try
        {
            // The caller's token only, not the stop signal: a renewal that reached the database completes, so the claim
            // this object reports is always the stored one.
            var renewed = await _transitions.ChangeAsync<DateTimeOffset?>(_taskId, async change =>
            {
                if (!await IsHeldAsync(change, _claim, _shutdown))
                {
                    return null;
                }

                var until = Until(change.Now, _lease);
                await change.ExecuteAsync("UPDATE tasks SET delivery_claimed_until = @until WHERE id = @task", p => p.AddWithValue("until", until), _shutdown);
                return until;
            }, _shutdown);
            if (renewed is not { } until)
            {
                return false;
            }

            // Only once committed: a renewal that failed leaves the claim as stored, and the next one compares with it.
            _claim = until;
            LogRenewed(_logger, _taskId, until);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Not fatal (a database hiccup): the claim is still valid for up to two more intervals and the next renewal
            // tries again. Should renewals keep failing, the lease expires: another instance may take the task over,
            // and this delivery's final check then finds the claim gone and records nothing.
            LogRenewalFailed(_logger, _taskId, exception);
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Delivery of task {TaskId}: lease renewed until {Until}")]
    private static partial void LogRenewed(ILogger logger, long taskId, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of task {TaskId}: renewing the lease failed; retrying on the next renewal")]
    private static partial void LogRenewalFailed(ILogger logger, long taskId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of task {TaskId}: the task is no longer claimed by this delivery (taken over by another instance, cancelled or retried); its work is stopped and nothing is recorded")]
    private static partial void LogClaimLost(ILogger logger, long taskId);
}
