namespace DevServer.DiskCleanup;

/// <summary>
/// When a process cleans its own disk: once after <c>firstRunDelay</c>, then every <c>interval</c>, until stopped. Each
/// process runs its own (a hosted service's loop), so every root is cleaned by the process that owns it, whichever
/// other instances run beside it.
/// </summary>
public static class CleanupSchedule
{
    /// <summary>Runs <paramref name="cleanOnce"/> on the schedule until <paramref name="stoppingToken"/> is cancelled, then returns.</summary>
    /// <param name="firstRunDelay">Before the first run (zero: at once).</param>
    /// <param name="interval">Between the starts of two runs; a run that takes longer delays the next, never overlaps it.</param>
    /// <param name="time">The clock the waits use.</param>
    /// <param name="cleanOnce">One cleanup. It handles its own failures: an exception from it ends the schedule.</param>
    /// <param name="stoppingToken">Ends the schedule (an interrupted cleanup is simply done next time).</param>
    public static async Task RunAsync(
        TimeSpan firstRunDelay, TimeSpan interval, TimeProvider time, Func<CancellationToken, Task> cleanOnce, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(cleanOnce);
        try
        {
            if (firstRunDelay > TimeSpan.Zero)
            {
                await Task.Delay(firstRunDelay, time, stoppingToken);
            }

            using var timer = new PeriodicTimer(interval, time);
            do
            {
                await cleanOnce(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: nothing to finish.
        }
    }
}
