using DevServer.Contracts.Settings.V1;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Tasks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DevServer.Orchestrator.Settings;

/// <summary>
/// The secrets the orchestrator holds or checks, described without their values: forge tokens per repository (database,
/// encrypted: decrypted here only to mask them) and per host (configuration), and the API tokens (only their SHA-256 is
/// stored, so there is nothing to mask).
/// </summary>
internal sealed class SecretOverview(NpgsqlDataSource dataSource, SecretProtector protector, IOptions<DeliveryOptions> delivery)
{
    /// <summary>Bullets that stand for any value, whatever its length.</summary>
    public const string Bullets = "••••••••";

    /// <summary>Below this length even the last four characters would say too much about the value.</summary>
    public const int RevealTailFrom = 20;

    /// <summary><see cref="Bullets"/>, then the last four characters when the value is at least <see cref="RevealTailFrom"/> long.</summary>
    public static string Mask(string value) => value.Length >= RevealTailFrom ? Bullets + value[^4..] : Bullets;

    /// <summary>A stored token masked; one this orchestrator cannot decrypt is listed as unreadable, not a failed listing.</summary>
    private string MaskStored(string stored, long repositoryId)
    {
        try
        {
            return Mask(protector.Unprotect(stored, SecretProtector.ForgeToken(repositoryId)));
        }
        catch (SecretUnreadableException exception)
        {
            return exception.NeededKeyId is { } keyId ? $"unreadable: encrypted with key {keyId}" : "unreadable: altered or damaged";
        }
    }

    public async Task<List<Secret>> ListAsync(CancellationToken cancellationToken)
    {
        var secrets = new List<Secret>();
        await using (var command = dataSource.CreateCommand(
            "SELECT name, forge_token, updated_at, id FROM repositories WHERE forge_token IS NOT NULL AND forge_token <> '' ORDER BY name"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                secrets.Add(new Secret
                {
                    Kind = "forge token",
                    Scope = "repository " + reader.GetString(0),
                    Source = "database",
                    Masked = MaskStored(reader.GetString(1), reader.GetInt64(3)),
                    // The repository's last change: the token is not stamped on its own.
                    UpdatedAt = TaskMappings.ToTimestamp(reader, 2),
                });
            }
        }

        foreach (var (host, token) in delivery.Value.ForgeTokens.Where(t => t.Value.Length > 0).OrderBy(t => t.Key, StringComparer.OrdinalIgnoreCase))
        {
            secrets.Add(new Secret { Kind = "forge token", Scope = "host " + host, Source = "configuration", Masked = Mask(token) });
        }

        await using (var command = dataSource.CreateCommand("SELECT name, role, created_at FROM api_tokens WHERE revoked_at IS NULL ORDER BY created_at, id"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                secrets.Add(new Secret
                {
                    Kind = "API token",
                    Scope = $"{reader.GetString(0)}, {reader.GetString(1)} role",
                    Source = "database (SHA-256 only)",
                    Masked = "",
                    UpdatedAt = TaskMappings.ToTimestamp(reader, 2),
                });
            }
        }

        return secrets;
    }
}
