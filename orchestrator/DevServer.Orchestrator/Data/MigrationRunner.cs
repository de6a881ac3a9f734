using Npgsql;

namespace DevServer.Orchestrator.Data;

/// <summary>
/// Applies migrations in version order, each once and each in its own transaction, recording them in
/// <c>schema_migrations</c>. Orchestrator instances starting together on one database take turns through a session
/// advisory lock, so none sees a half-applied schema or applies a migration twice.
/// </summary>
internal sealed partial class MigrationRunner(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<MigrationRunner> logger)
{
    /// <summary>The advisory lock key ("DSMIGRAT"); only this runner takes it.</summary>
    private const long LockKey = 0x4453_4D49_4752_4154;

    /// <summary>Applies what is missing of <paramref name="migrations"/>; returns the versions it applied.</summary>
    public async Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migrations);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({LockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(
                connection,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL)",
                cancellationToken);
            var applied = await AppliedAsync(connection, cancellationToken);
            var done = new List<string>();
            foreach (var migration in migrations.OrderBy(m => m.Version, StringComparer.Ordinal))
            {
                if (applied.Contains(migration.Version))
                {
                    continue;
                }

                LogApplying(logger, migration.Version);
                await ApplyAsync(connection, migration, cancellationToken);
                done.Add(migration.Version);
            }

            LogUpToDate(logger, applied.Count + done.Count, done.Count);
            return done;
        }
        finally
        {
            await UnlockAsync(connection);
        }
    }

    /// <summary>
    /// Not cancellable: the lock must not stay with a connection that goes back to the pool. A broken connection is
    /// not reused, and its session's lock ended with it.
    /// </summary>
    private static async Task UnlockAsync(NpgsqlConnection connection)
    {
        try
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({LockKey})", CancellationToken.None);
        }
        catch (NpgsqlException) when (connection.FullState.HasFlag(System.Data.ConnectionState.Broken) || connection.State != System.Data.ConnectionState.Open)
        {
        }
    }

    private async Task ApplyAsync(NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var apply = new NpgsqlCommand(migration.Sql, connection, transaction))
        {
            try
            {
                await apply.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException ex)
            {
                throw new InvalidOperationException($"Migration {migration.Version} failed and was rolled back: {ex.MessageText} ({ex.SqlState}).", ex);
            }
        }

        await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", connection, transaction))
        {
            record.Parameters.Add(new NpgsqlParameter { Value = migration.Version });
            record.Parameters.Add(new NpgsqlParameter { Value = timeProvider.GetUtcNow() });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<HashSet<string>> AppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetString(0));
        }

        return versions;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(1, LogLevel.Information, "Applying migration {Version}")]
    private static partial void LogApplying(ILogger logger, string version);

    [LoggerMessage(2, LogLevel.Information, "Database schema up to date: {Total} migrations, {Applied} applied now")]
    private static partial void LogUpToDate(ILogger logger, int total, int applied);
}
