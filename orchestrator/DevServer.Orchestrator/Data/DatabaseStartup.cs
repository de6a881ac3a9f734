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
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
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
            LogExternal(loggerFactory.CreateLogger<DatabaseStartup>(), new NpgsqlConnectionStringBuilder(settings.ConnectionString).Host ?? "?");
        }

        await migrations.RunAsync(Migration.Embedded, cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _embedded, null) is { } embedded)
        {
            // Idle pooled sessions are closed by us rather than cut by the server's fast shutdown.
            dataSource.Clear();
            await embedded.StopAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The host is disposed also when its start failed (after this service started), without StopAsync: the server
    /// must not outlive the orchestrator then either.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await StopAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is EmbeddedPostgresException or OperationCanceledException or IOException)
        {
            // Thrown from the host's disposal it would hide the error that ended the start-up.
            LogStopFailed(loggerFactory.CreateLogger<DatabaseStartup>(), ex);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Database: external PostgreSQL server at {Host}")]
    private static partial void LogExternal(ILogger logger, string host);

    [LoggerMessage(2, LogLevel.Error, "Database: could not stop the embedded PostgreSQL")]
    private static partial void LogStopFailed(ILogger logger, Exception exception);
}
