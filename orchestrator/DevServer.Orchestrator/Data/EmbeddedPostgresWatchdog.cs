using Npgsql;

namespace DevServer.Orchestrator.Data;

/// <summary>
/// Keeps the embedded PostgreSQL running while the orchestrator runs. It checks every second that the cluster's
/// postmaster lives. A server that died (killed, taken by the OOM killer, stopped by hand) is started again on the same
/// cluster. PostgreSQL replays its write-ahead log on that start, so nothing committed is lost. Connections that were
/// open fail once and are opened again by their owners: the API, the event pump, LISTEN and Quartz all retry.
/// </summary>
/// <remarks>
/// Without it the orchestrator stays up with no database, failing every call, until someone restarts it. When the
/// server cannot be started again after <see cref="RestartAttempts"/> tries, the watchdog fails, and that stops the
/// orchestrator with exit code 70 (ServiceFailureExit), for a service manager to restart all of it. It does nothing
/// with an external server: that one's availability is its operator's business, and Npgsql reconnects to it.
/// </remarks>
internal sealed partial class EmbeddedPostgresWatchdog(
    DatabaseStartup database,
    NpgsqlDataSource dataSource,
    TimeProvider clock,
    ILogger<EmbeddedPostgresWatchdog> logger) : BackgroundService
{
    private const int RestartAttempts = 5;

    /// <summary>
    /// Two misses in a row before a restart: the pid file check reads the file twice, and PostgreSQL rewrites the file's
    /// status line in place, so one check in a million may miss a live server.
    /// </summary>
    private const int MissedChecksBeforeRestart = 2;

    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Embedded is not { } embedded)
        {
            return;
        }

        try
        {
            using var timer = new PeriodicTimer(CheckInterval, clock);
            var missed = 0;
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                missed = embedded.IsServerRunning() ? 0 : missed + 1;
                if (missed >= MissedChecksBeforeRestart)
                {
                    await RestartAsync(embedded, stoppingToken);
                    missed = 0;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: DatabaseStartup stops the server next.
        }
    }

    private async Task RestartAsync(EmbeddedPostgres embedded, CancellationToken stoppingToken)
    {
        LogServerDied(logger, embedded.Options.ClusterDirectory);
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            var started = clock.GetTimestamp();
            // Idle pooled connections lead to the dead server; dropped now, they do not fail their next users.
            dataSource.Clear();
            try
            {
                await embedded.StartAsync(stoppingToken);
                LogServerRestarted(logger, clock.GetElapsedTime(started).TotalMilliseconds);
                return;
            }
            catch (Exception exception) when (exception is EmbeddedPostgresException or NpgsqlException or IOException && attempt < RestartAttempts)
            {
                LogRestartFailed(logger, attempt, RestartAttempts, delay.TotalSeconds, exception);
                await Task.Delay(delay, clock, stoppingToken);
                delay *= 2;
            }
        }
    }

    [LoggerMessage(1, LogLevel.Critical, "Embedded PostgreSQL: the server of {ClusterDirectory} stopped unexpectedly; starting it again")]
    private static partial void LogServerDied(ILogger logger, string clusterDirectory);

    [LoggerMessage(2, LogLevel.Warning, "Embedded PostgreSQL: running again after {ElapsedMs:F0} ms")]
    private static partial void LogServerRestarted(ILogger logger, double elapsedMs);

    [LoggerMessage(3, LogLevel.Error, "Embedded PostgreSQL: start {Attempt} of {Attempts} failed; trying again in {DelaySeconds} s")]
    private static partial void LogRestartFailed(ILogger logger, int attempt, int attempts, double delaySeconds, Exception exception);
}
