using Npgsql;

namespace DevServer.Orchestrator.Data;

/// <summary>
/// The first hosted service: starts the embedded cluster (with the embedded default) and migrates the database before
/// anything else starts; being first, it stops last, after everything that used the database.
/// </summary>
internal sealed partial class DatabaseStartup(
    DatabaseSettings settings,
    NpgsqlDataSource dataSource,
    MigrationRunner migrations,
    TimeProvider clock,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan ConnectRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>A fast shutdown takes well under a second; this bounds one of a server that hangs.</summary>
    private static readonly TimeSpan EmbeddedStopLimit = TimeSpan.FromSeconds(15);

    private EmbeddedPostgres? _embedded;

    /// <summary>The embedded server this orchestrator started and stops; null with an external server, and once stopped.</summary>
    public EmbeddedPostgres? Embedded => Volatile.Read(ref _embedded);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.Embedded is { } options)
        {
            var embedded = new EmbeddedPostgres(options, loggerFactory.CreateLogger<EmbeddedPostgres>());
            // Remembered before it starts: a start that fails half-way may still leave a server to stop.
            _embedded = embedded;
            await embedded.StartAsync(cancellationToken);
        }
        else
        {
            var host = new NpgsqlConnectionStringBuilder(settings.ConnectionString).Host ?? "?";
            LogExternal(loggerFactory.CreateLogger<DatabaseStartup>(), host);
            await WaitForExternalServerAsync(host, cancellationToken);
        }

        await migrations.RunAsync(Migration.Embedded, cancellationToken);
    }

    /// <summary>
    /// Opens a connection to the external server, trying again while it cannot be reached, for up to
    /// <see cref="DatabaseSettings.StartupWait"/>. A server that answers but refuses us ends the start at once.
    /// </summary>
    private async Task WaitForExternalServerAsync(string host, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger<DatabaseStartup>();
        var started = clock.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException exception) when (DatabaseErrors.IsUnreachable(exception))
            {
                var waited = clock.GetElapsedTime(started);
                if (waited >= settings.StartupWait)
                {
                    throw new ExternalDatabaseException(
                        $"cannot reach the PostgreSQL server at {host} (waited {waited.TotalSeconds:F0} s, {DatabaseOptions.Section}:StartupWait): {Reason(exception)}",
                        exception,
                        retryable: true);
                }

                LogWaitingForServer(logger, host, attempt, Reason(exception));
                await Task.Delay(ConnectRetryDelay, clock, cancellationToken);
            }
            catch (PostgresException exception)
            {
                throw new ExternalDatabaseException($"the PostgreSQL server at {host} refused the connection: {exception.Message}", exception, retryable: false);
            }
        }
    }

    /// <summary>"Failed to connect to /run/postgresql/.s.PGSQL.5432 (Connection refused)": Npgsql's message plus the socket's.</summary>
    private static string Reason(NpgsqlException exception) =>
        exception.GetBaseException() is var cause && cause != exception ? $"{exception.Message} ({cause.Message})" : exception.Message;

    /// <summary>
    /// Stops the embedded server, within <see cref="EmbeddedStopLimit"/> rather than the host's token: when the host's
    /// shutdown time is spent (Quartz waits out all of it while the database hangs), the server must still be asked to
    /// stop, not skipped because the token was already cancelled. A server that does not stop in time is logged, not
    /// thrown: an exception here ended the orchestrator with "Unhandled exception" and a crash's exit code.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken) => StopEmbeddedAsync();

    /// <summary>
    /// The host is disposed also when its start failed (after this service started), without StopAsync: the server
    /// must not outlive the orchestrator then either.
    /// </summary>
    public async ValueTask DisposeAsync() => await StopEmbeddedAsync();

    private async Task StopEmbeddedAsync()
    {
        if (Interlocked.Exchange(ref _embedded, null) is not { } embedded)
        {
            return;
        }

        // Idle pooled sessions are closed by us rather than cut by the server's fast shutdown.
        dataSource.Clear();
        using var limit = new CancellationTokenSource(EmbeddedStopLimit, clock);
        try
        {
            await embedded.StopAsync(limit.Token);
        }
        catch (Exception ex) when (ex is EmbeddedPostgresException or OperationCanceledException or IOException)
        {
            // A hung server still gets the fast-shutdown request pg_ctl sent; it acts on it when it runs again.
            LogStopFailed(loggerFactory.CreateLogger<DatabaseStartup>(), ex);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Database: external PostgreSQL server at {Host}")]
    private static partial void LogExternal(ILogger logger, string host);

    [LoggerMessage(2, LogLevel.Error, "Database: could not stop the embedded PostgreSQL")]
    private static partial void LogStopFailed(ILogger logger, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "Database: waiting for the PostgreSQL server at {Host} (attempt {Attempt}): {Reason}")]
    private static partial void LogWaitingForServer(ILogger logger, string host, int attempt, string reason);
}
