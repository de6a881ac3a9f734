using DevServer.Contracts;
using Npgsql;
using Rpc.Health;
using ServingStatus = Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace DevServer.Orchestrator.Data;

/// <summary>
/// Tells <c>grpc.health.v1.Health</c> whether the orchestrator can reach its database: every five seconds it runs
/// <c>SELECT 1</c>. While that fails, the whole server (the empty service name) and <see cref="HealthServiceNames.Database"/> are
/// NOT_SERVING. Nearly every call needs the database, so a load balancer, a probe (grpc_health_probe, <c>buf curl</c>)
/// or a monitoring system should see an orchestrator without one as not serving, not as healthy.
/// </summary>
internal sealed partial class DatabaseHealthReporter(
    NpgsqlDataSource dataSource,
    HealthServiceImpl health,
    TimeProvider clock,
    ILogger<DatabaseHealthReporter> logger) : BackgroundService
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(3);

    private Task<bool>? _probe;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool? reachable = null;
        try
        {
            using var timer = new PeriodicTimer(CheckInterval, clock);
            do
            {
                var now = await ProbeAsync(stoppingToken);
                if (now != reachable)
                {
                    Report(now, wasKnown: reachable is not null);
                    reachable = now;
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the health service turns everything NOT_SERVING itself.
        }
    }

    /// <summary>
    /// Whether <c>SELECT 1</c> answers within <see cref="QueryTimeout"/>. The limit is enforced here, not left to
    /// Npgsql's cancellation: a server that hangs (stopped, or cut off without a reset) answers neither the query nor
    /// the cancel request Npgsql sends for it, and a probe waiting on those took about a minute to report anything. A
    /// probe still waiting from an earlier round is waited on again rather than doubled; one that has ended since is
    /// discarded, since its late answer says nothing about now.
    /// </summary>
    private async Task<bool> ProbeAsync(CancellationToken stoppingToken)
    {
        if (_probe is { IsCompleted: true })
        {
            _probe = null;
        }

        // On the thread pool: the limit must hold even if the driver blocks before its first await.
        _probe ??= Task.Run(() => QueryAsync(stoppingToken), CancellationToken.None);
        try
        {
            var reachable = await _probe.WaitAsync(QueryTimeout, clock, stoppingToken);
            _probe = null;
            return reachable;
        }
        catch (TimeoutException)
        {
            LogProbeFailed(logger, $"no answer within {QueryTimeout.TotalSeconds:0} s");
            return false;
        }
    }

    private async Task<bool> QueryAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(QueryTimeout);
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return true;
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
        {
            LogProbeFailed(logger, exception.Message);
            return false;
        }
    }

    private void Report(bool reachable, bool wasKnown)
    {
        var status = reachable ? ServingStatus.Serving : ServingStatus.NotServing;
        health.SetStatus(HealthServiceNames.Database, status);
        health.SetStatus(string.Empty, status);
        if (!reachable)
        {
            LogUnreachable(logger);
        }
        else if (wasKnown)
        {
            LogReachableAgain(logger);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Health: the database cannot be reached; reporting NOT_SERVING")]
    private static partial void LogUnreachable(ILogger logger);

    [LoggerMessage(2, LogLevel.Information, "Health: the database can be reached again; reporting SERVING")]
    private static partial void LogReachableAgain(ILogger logger);

    [LoggerMessage(3, LogLevel.Debug, "Health: the database probe failed: {Reason}")]
    private static partial void LogProbeFailed(ILogger logger, string reason);
}
