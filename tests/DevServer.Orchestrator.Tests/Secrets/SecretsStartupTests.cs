using System.Security.Cryptography;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DevServer.Orchestrator.Tests.Secrets;

/// <summary>What an instance does with the stored tokens when it starts, against a fresh migrated database per test.</summary>
public sealed class SecretsStartupTests(PostgresFixture postgres)
{
    private const int TimeoutMs = 60_000;

    private readonly SecretProtector _protector = new(SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "test"));

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_PlainTokens_EncryptedInPlaceAndReadBackAsTheyWere()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        await InsertRepositoryAsync(dataSource, "plain-a", "plain-token-a-0123456789", ct);
        await InsertRepositoryAsync(dataSource, "plain-b", "plain-token-b-9876543210", ct);
        await InsertRepositoryAsync(dataSource, "without", null, ct);
        await InsertRepositoryAsync(dataSource, "empty", "", ct);
        var logs = new DashboardHost.CapturedLogs();

        await Startup(dataSource, logs).StartAsync(ct);

        var stored = await ReadTokensAsync(dataSource, ct);
        Assert.StartsWith($"enc:v1:{_protector.Key.Id}:", stored["plain-a"], StringComparison.Ordinal);
        Assert.StartsWith($"enc:v1:{_protector.Key.Id}:", stored["plain-b"], StringComparison.Ordinal);
        Assert.Equal("plain-token-a-0123456789", _protector.Unprotect(stored["plain-a"]!, SecretProtector.ForgeToken));
        Assert.Equal("plain-token-b-9876543210", _protector.Unprotect(stored["plain-b"]!, SecretProtector.ForgeToken));
        Assert.Null(stored["without"]);
        Assert.Equal("", stored["empty"]);
        Assert.Contains(logs.Entries, e => e.Message.Contains($"encrypted 2 forge token(s) stored in plain text with key {_protector.Key.Id}", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task EncryptPlainTokensAsync_RunAgain_LeavesEncryptedTokensAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        await InsertRepositoryAsync(dataSource, "plain", "plain-token-0123456789", ct);
        var startup = Startup(dataSource, new DashboardHost.CapturedLogs());
        Assert.Equal(1, await startup.EncryptPlainTokensAsync(ct));
        var once = await ReadTokensAsync(dataSource, ct);

        Assert.Equal(0, await startup.EncryptPlainTokensAsync(ct));

        Assert.Equal(once, await ReadTokensAsync(dataSource, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task EncryptPlainTokensAsync_SeveralInstancesAtOnce_EachTokenEncryptedOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        for (var i = 0; i < 20; i++)
        {
            await InsertRepositoryAsync(dataSource, $"plain-{i:D2}", $"plain-token-{i:D2}-0123456789", ct);
        }

        var counts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Startup(dataSource, new DashboardHost.CapturedLogs()).EncryptPlainTokensAsync(ct), ct)));

        Assert.Equal(20, counts.Sum());
        var stored = await ReadTokensAsync(dataSource, ct);
        for (var i = 0; i < 20; i++)
        {
            // Encrypted twice would read back as the first ciphertext, not the token.
            Assert.Equal($"plain-token-{i:D2}-0123456789", _protector.Unprotect(stored[$"plain-{i:D2}"]!, SecretProtector.ForgeToken));
        }
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_TokensOfAnotherKey_LoggedAsAnErrorWithTheirCountKeyIdAndRepositories()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var other = new SecretProtector(SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "other"));
        await InsertRepositoryAsync(dataSource, "theirs-b", other.Protect("their-token-b-0123456789", SecretProtector.ForgeToken), ct);
        await InsertRepositoryAsync(dataSource, "theirs-a", other.Protect("their-token-a-0123456789", SecretProtector.ForgeToken), ct);
        await InsertRepositoryAsync(dataSource, "ours", _protector.Protect("our-token-0123456789", SecretProtector.ForgeToken), ct);
        // Not our format: its "key id" could be part of a token, so it is never logged.
        await InsertRepositoryAsync(dataSource, "odd", "enc:v1:TOKENPART:rest-of-a-token", ct);
        var before = await ReadTokensAsync(dataSource, ct);
        var logs = new DashboardHost.CapturedLogs();

        await Startup(dataSource, logs).StartAsync(ct);

        var error = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"2 stored forge token(s) were encrypted with key {other.Key.Id}, not with this orchestrator's key {_protector.Key.Id}", error.Message, StringComparison.Ordinal);
        Assert.Contains("(repositories: theirs-a, theirs-b)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Secrets:Key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("TOKENPART", StringComparison.Ordinal));
        // Nothing is touched: the right key, set later, reads them.
        Assert.Equal(before, await ReadTokensAsync(dataSource, ct));
    }

    private SecretsStartup Startup(NpgsqlDataSource dataSource, DashboardHost.CapturedLogs logs) =>
        new(_protector, dataSource, new LoggerFactory([logs]).CreateLogger<SecretsStartup>());

    private static async Task InsertRepositoryAsync(NpgsqlDataSource dataSource, string name, string? token, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO repositories (name, location, default_branch, stage_timeout, max_attempts, attempt_timeout, created_at, updated_at, forge_token)
            VALUES (@name, '/srv/git/x.git', 'main', interval '10 minutes', 2, interval '1 hour', now(), now(), @token)
            """);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.Add(new NpgsqlParameter<string?>("token", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = token });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<Dictionary<string, string?>> ReadTokensAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT name, forge_token FROM repositories");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tokens = new Dictionary<string, string?>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return tokens;
    }
}
