using Npgsql;

namespace DevServer.Orchestrator.Auth;

/// <summary>A token just issued: the only moment its plain text exists on the server.</summary>
internal sealed record IssuedApiToken(long Id, ApiRole Role, string Token);

/// <summary>The <c>api_tokens</c> table: tokens are looked up and stored by their SHA-256 only.</summary>
internal sealed class ApiTokenStore(NpgsqlDataSource dataSource, TimeProvider timeProvider)
{
    /// <summary>The active (not revoked) token with this hash, or null.</summary>
    public async Task<ApiCaller?> FindActiveAsync(byte[] sha256, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await FindActiveAsync(connection, sha256, cancellationToken);
    }

    public async Task<IssuedApiToken> IssueAsync(ApiRole role, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await IssueAsync(connection, role, name, cancellationToken);
    }

    /// <summary>Revokes a token; false when it does not exist or was revoked already.</summary>
    public async Task<bool> RevokeAsync(long tokenId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = tokenId });
        command.Parameters.Add(new NpgsqlParameter { Value = timeProvider.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>On a given connection, so the bootstrap can look up inside its locked transaction.</summary>
    internal static async Task<ApiCaller?> FindActiveAsync(NpgsqlConnection connection, byte[] sha256, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT id, name, role FROM api_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sha256 });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ApiCaller(reader.GetInt64(0), reader.GetString(1), ApiRoles.FromDatabase(reader.GetString(2)))
            : null;
    }

    /// <summary>On a given connection (and its transaction, if one is open).</summary>
    internal async Task<IssuedApiToken> IssueAsync(NpgsqlConnection connection, ApiRole role, string name, CancellationToken cancellationToken)
    {
        var token = ApiToken.Generate(role);
        await using var command = new NpgsqlCommand(
            "INSERT INTO api_tokens (name, role, token_sha256, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        command.Parameters.Add(new NpgsqlParameter { Value = role.ToDatabase() });
        command.Parameters.Add(new NpgsqlParameter { Value = ApiToken.Hash(token) });
        command.Parameters.Add(new NpgsqlParameter { Value = timeProvider.GetUtcNow() });
        var id = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new IssuedApiToken(id, role, token);
    }
}
