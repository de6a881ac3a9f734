using System.Security.Cryptography;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DevServer.Orchestrator.Tests.Secrets;

/// <summary>
/// A key rotation as an operator runs it, through the orchestrator's own AddDatabase and AddSecrets configured as the
/// environment would (<c>Orchestrator__Secrets__Key</c>, <c>Orchestrator__Secrets__PreviousKeys__0</c>): start with key
/// A; restart with key B and A as a previous key; restart with B alone.
/// </summary>
public sealed class SecretsRotationTests(PostgresFixture postgres)
{
    private const int TimeoutMs = 90_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task Restart_NewKeyWithTheOldOneAsPrevious_TokenReencryptedAndStillReadableAfterTheOldKeyIsDropped()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await postgres.CreateDatabaseAsync(ct);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var (keyA, keyB) = (NewKey(), NewKey());
        const string Token = "rotation-canary-0123456789";
        long id;
        await using (var command = dataSource.CreateCommand(
            """
            INSERT INTO repositories (name, location, default_branch, stage_timeout, max_attempts, attempt_timeout, created_at, updated_at, forge_token)
            VALUES ('rotated', '/srv/git/x.git', 'main', interval '10 minutes', 2, interval '1 hour', now(), now(), @token)
            RETURNING id
            """))
        {
            command.Parameters.AddWithValue("token", Token);
            id = (long)(await command.ExecuteScalarAsync(ct))!;
        }

        // Key A: the plain token is encrypted with it.
        await using (await StartAsync(connectionString, keyA, [], ct))
        {
            Assert.StartsWith($"enc:v2:{IdOf(keyA)}:", await ReadStoredAsync(dataSource, id, ct), StringComparison.Ordinal);
        }

        // Key B, A previous: re-encrypted with B, and the log says A can go.
        await using (var host = await StartAsync(connectionString, keyB, [keyA], ct))
        {
            var stored = await ReadStoredAsync(dataSource, id, ct);
            Assert.StartsWith($"enc:v2:{IdOf(keyB)}:", stored, StringComparison.Ordinal);
            Assert.Equal(Token, host.Protector.Unprotect(stored, SecretProtector.ForgeToken(id)));
            Assert.Contains(host.Logs.Entries, e => e.Message.Contains(
                $"re-encrypted 1 forge token(s) from previous key(s) {IdOf(keyA)} with key {IdOf(keyB)}", StringComparison.Ordinal));
            Assert.Contains(host.Logs.Entries, e => e.Message.Contains($"no stored forge token is encrypted with previous key(s) {IdOf(keyA)} any more", StringComparison.Ordinal));
        }

        // Key B alone: still readable, nothing to report.
        await using (var host = await StartAsync(connectionString, keyB, [], ct))
        {
            Assert.Equal(Token, host.Protector.Unprotect(await ReadStoredAsync(dataSource, id, ct), SecretProtector.ForgeToken(id)));
            Assert.DoesNotContain(host.Logs.Entries, e => e.Level >= LogLevel.Warning && e.Message.StartsWith("Secrets:", StringComparison.Ordinal));
        }
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretKey.Size));

    private static string IdOf(string key) => SecretKey.TryParse(key, out var bytes) ? SecretKey.IdOf(bytes) : throw new ArgumentException("not a key", nameof(key));

    private static async Task<string> ReadStoredAsync(NpgsqlDataSource dataSource, long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT forge_token FROM repositories WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>An instance reduced to the database and the secrets, started (so its start-up pass has run).</summary>
    private static async Task<Instance> StartAsync(string connectionString, string key, string[] previousKeys, CancellationToken cancellationToken)
    {
        var data = new TestDirectory();
        var builder = InProcessOrchestrator.CreateBuilder(data.Path, connectionString);
        var logs = new DashboardHost.CapturedLogs();
        builder.Logging.AddProvider(logs);
        builder.Configuration[$"{SecretsOptions.Section}:Key"] = key;
        for (var i = 0; i < previousKeys.Length; i++)
        {
            builder.Configuration[$"{SecretsOptions.Section}:PreviousKeys:{i}"] = previousKeys[i];
        }

        builder.AddDatabase();
        builder.AddSecrets();
        var app = builder.Build();
        await app.StartOnLoopbackOrDisposeAsync(data, cancellationToken);
        return new Instance(data, app, logs);
    }

    private sealed record Instance(TestDirectory Data, WebApplication App, DashboardHost.CapturedLogs Logs) : IAsyncDisposable
    {
        public SecretProtector Protector => App.Services.GetRequiredService<SecretProtector>();

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync(CancellationToken.None);
            await App.DisposeAsync();
            Data.Dispose();
        }
    }
}
