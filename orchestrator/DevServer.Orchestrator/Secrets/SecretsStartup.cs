using Npgsql;

namespace DevServer.Orchestrator.Secrets;

/// <summary>
/// At start, after the migrations: resolves the key (a bad key or key file stops the start with its message), encrypts
/// the forge tokens stored before encryption existed, and reports tokens encrypted with another key than ours (an
/// instance of the same database with another key) as an error without stopping: only deliveries that need them fail.
/// </summary>
internal sealed partial class SecretsStartup(SecretProtector protector, NpgsqlDataSource dataSource, ILogger<SecretsStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var key = protector.Key;
        LogKey(logger, key.Id, key.Source);
        if (await EncryptPlainTokensAsync(cancellationToken) is var encrypted and > 0)
        {
            LogEncrypted(logger, encrypted, key.Id);
        }

        foreach (var foreign in await FindForeignKeyTokensAsync(cancellationToken))
        {
            LogForeignKey(logger, foreign.Count, foreign.KeyId, key.Id, foreign.Repositories);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Encrypts every plain forge token in place; returns how many. Safe with several instances starting at once: the
    /// rows are locked, and an instance that waited for another's lock sees them encrypted and leaves them alone.
    /// </summary>
    public async Task<int> EncryptPlainTokensAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var plain = new List<(long Id, string Token)>();
        await using (var select = new NpgsqlCommand(
            $"SELECT id, forge_token FROM repositories WHERE forge_token NOT LIKE '{SecretProtector.Prefix}%' AND forge_token <> '' ORDER BY id FOR UPDATE",
            connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                plain.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        foreach (var (id, token) in plain)
        {
            // updated_at stays: the token is the same, only its stored form changed.
            await using var update = new NpgsqlCommand("UPDATE repositories SET forge_token = @token WHERE id = @id", connection, transaction);
            update.Parameters.AddWithValue("token", protector.Protect(token, SecretProtector.ForgeToken));
            update.Parameters.AddWithValue("id", id);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return plain.Count;
    }

    /// <summary>Stored forge tokens encrypted with another key than ours, per key id.</summary>
    public async Task<IReadOnlyList<ForeignKeyTokens>> FindForeignKeyTokensAsync(CancellationToken cancellationToken)
    {
        // Only well-formed values: a key id that is not 8 hex digits could be part of a plain token and is never logged.
        await using var command = dataSource.CreateCommand(
            """
            SELECT split_part(forge_token, ':', 3) AS key_id, count(*)::int, string_agg(name, ', ' ORDER BY name)
            FROM repositories
            WHERE forge_token ~ '^enc:v1:[0-9a-f]{8}:' AND split_part(forge_token, ':', 3) <> @ours
            GROUP BY key_id
            ORDER BY key_id
            """);
        command.Parameters.AddWithValue("ours", protector.Key.Id);
        var found = new List<ForeignKeyTokens>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new ForeignKeyTokens(reader.GetString(0), reader.GetInt32(1), reader.GetString(2)));
        }

        return found;
    }

    /// <summary><paramref name="Count"/> tokens (of the named repositories) encrypted with key <paramref name="KeyId"/>.</summary>
    internal sealed record ForeignKeyTokens(string KeyId, int Count, string Repositories);

    [LoggerMessage(1, LogLevel.Information, "Secrets: stored secrets are encrypted with key {KeyId} (from {Source})")]
    private static partial void LogKey(ILogger logger, string keyId, string source);

    [LoggerMessage(2, LogLevel.Information, "Secrets: encrypted {Count} forge token(s) stored in plain text with key {KeyId}")]
    private static partial void LogEncrypted(ILogger logger, int count, string keyId);

    [LoggerMessage(3, LogLevel.Error,
        "Secrets: {Count} stored forge token(s) were encrypted with key {KeyId}, not with this orchestrator's key {OurKeyId} " +
        "(repositories: {Repositories}); their deliveries are blocked until " + SecretsOptions.Section + ":Key is set to that key on every " +
        "orchestrator of this database, or the tokens are set again (devserver repo update <name> --forge-token-file)")]
    private static partial void LogForeignKey(ILogger logger, int count, string keyId, string ourKeyId, string repositories);
}
