using Npgsql;

namespace DevServer.Orchestrator.Secrets;

/// <summary>
/// At start, after the migrations: resolves the keys (a bad key or key file stops the start with its message), brings
/// every stored forge token it can read to the current form (plain text encrypted; a previous key's or format v1's value
/// re-encrypted with the current key as v2), and reports tokens encrypted with a key it does not know (an instance of
/// the same database with another key) as an error without stopping: only deliveries that need them fail.
/// </summary>
internal sealed partial class SecretsStartup(SecretProtector protector, NpgsqlDataSource dataSource, ILogger<SecretsStartup> logger) : IHostedService
{
    // A stored value of a format this orchestrator writes (v1 or v2), its key id in the third field; SQL's check that
    // a value is one before its key id is read (an id that is not 8 hex digits could be part of a plain token).
    private const string WellFormed = "^enc:v[12]:[0-9a-f]{8}:";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var keyring = protector.Keyring;
        LogKey(logger, keyring.Current.Id, keyring.Current.Source);
        var previousIds = string.Join(", ", keyring.Previous.Select(k => k.Id));
        if (keyring.Previous.Count > 0)
        {
            LogPreviousKeys(logger, previousIds, string.Join(", ", keyring.Previous.Select(k => k.Source)));
        }

        var rewrite = await RewriteTokensAsync(cancellationToken);
        if (rewrite.Encrypted > 0)
        {
            LogEncrypted(logger, rewrite.Encrypted, keyring.Current.Id);
        }

        if (rewrite.FromPreviousKeys > 0)
        {
            LogReencrypted(logger, rewrite.FromPreviousKeys, string.Join(", ", rewrite.PreviousKeyIds), keyring.Current.Id);
        }

        if (rewrite.FromV1 > 0)
        {
            LogUpgraded(logger, rewrite.FromV1, keyring.Current.Id);
        }

        if (rewrite.Unreadable.Count > 0)
        {
            LogUnreadable(logger, rewrite.Unreadable.Count, string.Join(", ", rewrite.Unreadable));
        }

        foreach (var foreign in await FindForeignKeyTokensAsync(cancellationToken))
        {
            LogForeignKey(logger, foreign.Count, foreign.KeyId, keyring.Current.Id, foreign.Repositories);
        }

        if (keyring.Previous.Count > 0)
        {
            // What the operator waits for before removing the previous keys.
            if (await CountPreviousKeyTokensAsync(cancellationToken) is var left and > 0)
            {
                LogPreviousKeysStillUsed(logger, left, previousIds, keyring.Current.Id);
            }
            else
            {
                LogPreviousKeysUnused(logger, previousIds, keyring.Current.Id);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Rewrites in place every forge token that is not in the current form and that this keyring reads: plain text
    /// (stored before encryption), format v1, or encrypted with a previous key; each is encrypted with the current key
    /// for its row. Tokens under an unknown key are not touched; ones that do not decrypt (altered, copied from another
    /// row) are left as they are and named. Safe with several instances starting at once: the rows are locked, and an
    /// instance that waited for another's lock sees them rewritten and leaves them alone.
    /// </summary>
    public async Task<TokenRewrite> RewriteTokensAsync(CancellationToken cancellationToken)
    {
        var keyring = protector.Keyring;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = new List<(long Id, string Name, string Token)>();
        // The condition is in SQL, not only in C#: a row another instance rewrote while this one waited for its lock is
        // checked again after the wait, and skipped.
        await using (var select = new NpgsqlCommand(
            $"""
            SELECT id, name, forge_token FROM repositories
            WHERE forge_token <> ''
              AND (NOT starts_with(forge_token, '{SecretProtector.Prefix}')
                   OR (forge_token ~ '{WellFormed}' AND split_part(forge_token, ':', 3) = ANY(@known)
                       AND NOT starts_with(forge_token, @current)))
            ORDER BY id
            FOR UPDATE
            """,
            connection, transaction))
        {
            select.Parameters.AddWithValue("known", keyring.Ids.ToArray());
            select.Parameters.AddWithValue("current", protector.CurrentPrefix);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var (encrypted, fromPrevious, fromV1) = (0, 0, 0);
        var previousKeyIds = new SortedSet<string>(StringComparer.Ordinal);
        var unreadable = new List<string>();
        foreach (var (id, name, stored) in rows)
        {
            var slot = SecretProtector.ForgeToken(id);
            string token;
            try
            {
                token = protector.Unprotect(stored, slot);
            }
            catch (SecretUnreadableException)
            {
                unreadable.Add(name);
                continue;
            }

            switch (SecretProtector.KeyIdOf(stored))
            {
                case null:
                    encrypted++;
                    break;
                case var keyId when keyId == keyring.Current.Id:
                    fromV1++;
                    break;
                case var keyId:
                    fromPrevious++;
                    previousKeyIds.Add(keyId);
                    break;
            }

            // updated_at stays: the token is the same, only its stored form changed.
            await using var update = new NpgsqlCommand("UPDATE repositories SET forge_token = @token WHERE id = @id", connection, transaction);
            update.Parameters.AddWithValue("token", protector.Protect(token, slot));
            update.Parameters.AddWithValue("id", id);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        unreadable.Sort(StringComparer.Ordinal);
        return new TokenRewrite(encrypted, fromPrevious, fromV1, [.. previousKeyIds], unreadable);
    }

    /// <summary>Stored forge tokens encrypted with a key this orchestrator does not know, per key id.</summary>
    public async Task<IReadOnlyList<ForeignKeyTokens>> FindForeignKeyTokensAsync(CancellationToken cancellationToken)
    {
        // Only well-formed values: a key id that is not 8 hex digits could be part of a plain token and is never logged.
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT split_part(forge_token, ':', 3) AS key_id, count(*)::int, string_agg(name, ', ' ORDER BY name)
            FROM repositories
            WHERE forge_token ~ '{WellFormed}' AND NOT split_part(forge_token, ':', 3) = ANY(@known)
            GROUP BY key_id
            ORDER BY key_id
            """);
        command.Parameters.AddWithValue("known", protector.Keyring.Ids.ToArray());
        var found = new List<ForeignKeyTokens>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new ForeignKeyTokens(reader.GetString(0), reader.GetInt32(1), reader.GetString(2)));
        }

        return found;
    }

    /// <summary>How many stored forge tokens are still encrypted with a previous key (after <see cref="RewriteTokensAsync"/>).</summary>
    public async Task<int> CountPreviousKeyTokensAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT count(*)::int FROM repositories WHERE forge_token ~ '{WellFormed}' AND split_part(forge_token, ':', 3) = ANY(@previous)");
        command.Parameters.AddWithValue("previous", protector.Keyring.Previous.Select(k => k.Id).ToArray());
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// What <see cref="RewriteTokensAsync"/> did: tokens encrypted from plain text, re-encrypted from a previous key
    /// (<paramref name="PreviousKeyIds"/>), rewritten from format v1 under the current key; the repositories whose token
    /// did not decrypt.
    /// </summary>
    internal sealed record TokenRewrite(int Encrypted, int FromPreviousKeys, int FromV1, IReadOnlyList<string> PreviousKeyIds, IReadOnlyList<string> Unreadable);

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

    [LoggerMessage(4, LogLevel.Information, "Secrets: previous key(s) {KeyIds} (from {Sources}) decrypt what was stored before the rotation")]
    private static partial void LogPreviousKeys(ILogger logger, string keyIds, string sources);

    [LoggerMessage(5, LogLevel.Information, "Secrets: re-encrypted {Count} forge token(s) from previous key(s) {PreviousKeyIds} with key {KeyId}")]
    private static partial void LogReencrypted(ILogger logger, int count, string previousKeyIds, string keyId);

    [LoggerMessage(6, LogLevel.Information, "Secrets: rewrote {Count} forge token(s) of format v1 as v2 (bound to their repository) with key {KeyId}")]
    private static partial void LogUpgraded(ILogger logger, int count, string keyId);

    [LoggerMessage(7, LogLevel.Error,
        "Secrets: {Count} stored forge token(s) do not decrypt (altered, or copied from another repository's row) and were left as " +
        "they are (repositories: {Repositories}); their deliveries are blocked until the tokens are set again " +
        "(devserver repo update <name> --forge-token-file)")]
    private static partial void LogUnreadable(ILogger logger, int count, string repositories);

    [LoggerMessage(8, LogLevel.Information,
        "Secrets: no stored forge token is encrypted with previous key(s) {PreviousKeyIds} any more: once every orchestrator of this " +
        "database runs with key {KeyId}, remove " + SecretsOptions.Section + ":PreviousKeys")]
    private static partial void LogPreviousKeysUnused(ILogger logger, string previousKeyIds, string keyId);

    [LoggerMessage(9, LogLevel.Warning,
        "Secrets: {Count} stored forge token(s) are still encrypted with previous key(s) {PreviousKeyIds} (ones that do not decrypt, " +
        "or ones stored meanwhile by an orchestrator without key {KeyId}): keep " + SecretsOptions.Section + ":PreviousKeys until a start reports none")]
    private static partial void LogPreviousKeysStillUsed(ILogger logger, int count, string previousKeyIds, string keyId);
}
