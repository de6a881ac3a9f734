using DevServer.Contracts;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Hosting;
using Npgsql;

namespace DevServer.Orchestrator.Auth;

/// <summary>
/// Makes sure the data directory holds a working admin token (for the CLI) and worker token (for locally started
/// workers): a token file that is missing, or names no active token of its role, is replaced by a new token. Runs after
/// the migrations and before Kestrel serves; instances starting together take turns through an advisory lock.
/// </summary>
internal sealed partial class TokenBootstrap(
    DatabaseSettings settings,
    NpgsqlDataSource dataSource,
    ApiTokenStore store,
    ILogger<TokenBootstrap> logger) : IHostedService
{
    /// <summary>The transaction-scoped advisory lock key ("DSTOKENS").</summary>
    private const long LockKey = 0x4453_544F_4B45_4E53;

    public Task StartAsync(CancellationToken cancellationToken) => EnsureTokensAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Returns the roles it issued a new token for.</summary>
    public async Task<IReadOnlyList<ApiRole>> EnsureTokensAsync(CancellationToken cancellationToken)
    {
        OwnerOnlyFiles.CreateDirectory(settings.DataDirectory);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var issued = new List<ApiRole>();
        foreach (var (role, fileName) in new[] { (ApiRole.Admin, LocalInstallation.AdminTokenFileName), (ApiRole.Worker, LocalInstallation.WorkerTokenFileName) })
        {
            var path = Path.Combine(settings.DataDirectory, fileName);
            if (ReadToken(path) is { } existing
                && await ApiTokenStore.FindActiveAsync(connection, ApiToken.Hash(existing), cancellationToken) is { } caller
                && caller.Role == role)
            {
                // Kept, but never readable by others, whatever happened to the file meanwhile.
                OwnerOnlyFiles.Restrict(path);

                continue;
            }

            var token = await store.IssueAsync(connection, role, $"{role.ToDatabase()} (bootstrap, {Environment.MachineName})", cancellationToken);
            // Written before the commit: if the commit fails, the file names no active token and the next start replaces it.
            OwnerOnlyFiles.WriteAtomically(path, token.Token, overwrite: true);
            LogIssued(logger, role.ToDatabase(), path);
            issued.Add(role);
        }

        await transaction.CommitAsync(cancellationToken);
        return issued;
    }

    private static string? ReadToken(string path)
    {
        try
        {
            var token = File.ReadAllText(path).Trim();
            return token.Length > 0 ? token : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Issued a new {Role} token and wrote it to {Path}")]
    private static partial void LogIssued(ILogger logger, string role, string path);
}
