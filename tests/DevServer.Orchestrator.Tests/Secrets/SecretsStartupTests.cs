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

    private readonly SecretProtector _protector = new(NewKey("test"));

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_PlainTokens_EncryptedInPlaceBoundToTheirRowAndReadBackAsTheyWere()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var a = await InsertRepositoryAsync(dataSource, "plain-a", "plain-token-a-0123456789", ct);
        var b = await InsertRepositoryAsync(dataSource, "plain-b", "plain-token-b-9876543210", ct);
        await InsertRepositoryAsync(dataSource, "without", null, ct);
        await InsertRepositoryAsync(dataSource, "empty", "", ct);
        var logs = new DashboardHost.CapturedLogs();

        await Startup(dataSource, logs).StartAsync(ct);

        var stored = await ReadTokensAsync(dataSource, ct);
        Assert.StartsWith($"enc:v2:{_protector.Key.Id}:", stored["plain-a"], StringComparison.Ordinal);
        Assert.StartsWith($"enc:v2:{_protector.Key.Id}:", stored["plain-b"], StringComparison.Ordinal);
        Assert.Equal("plain-token-a-0123456789", _protector.Unprotect(stored["plain-a"]!, SecretProtector.ForgeToken(a)));
        Assert.Equal("plain-token-b-9876543210", _protector.Unprotect(stored["plain-b"]!, SecretProtector.ForgeToken(b)));
        Assert.Throws<SecretUnreadableException>(() => _protector.Unprotect(stored["plain-a"]!, SecretProtector.ForgeToken(b)));
        Assert.Null(stored["without"]);
        Assert.Equal("", stored["empty"]);
        Assert.Contains(logs.Entries, e => e.Message.Contains($"encrypted 2 forge token(s) stored in plain text with key {_protector.Key.Id}", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RewriteTokensAsync_RunAgain_LeavesCurrentTokensAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        await InsertRepositoryAsync(dataSource, "plain", "plain-token-0123456789", ct);
        var v1 = await InsertRepositoryAsync(dataSource, "v1", null, ct);
        await SetTokenAsync(dataSource, v1, LegacyFormat.ProtectV1(_protector.Key, "v1-token-0123456789"), ct);
        var startup = Startup(dataSource, new DashboardHost.CapturedLogs());
        var first = await startup.RewriteTokensAsync(ct);
        Assert.Equal((1, 1), (first.Encrypted, first.FromV1));
        var once = await ReadTokensAsync(dataSource, ct);

        var again = await startup.RewriteTokensAsync(ct);

        Assert.Equal((0, 0, 0), (again.Encrypted, again.FromPreviousKeys, again.FromV1));
        Assert.Equal(once, await ReadTokensAsync(dataSource, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RewriteTokensAsync_SeveralInstancesAtOnce_EachTokenRewrittenOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var previous = new SecretProtector(NewKey("previous"));
        var ids = new Dictionary<string, long>();
        for (var i = 0; i < 20; i++)
        {
            ids[$"plain-{i:D2}"] = await InsertRepositoryAsync(dataSource, $"plain-{i:D2}", $"plain-token-{i:D2}-0123456789", ct);
            ids[$"old-{i:D2}"] = await InsertProtectedAsync(dataSource, $"old-{i:D2}", previous, $"old-token-{i:D2}-0123456789", ct);
        }

        var rotated = new SecretProtector(_protector.Key, previous.Key);
        var rewrites = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Startup(dataSource, new DashboardHost.CapturedLogs(), rotated).RewriteTokensAsync(ct), ct)));

        Assert.Equal((20, 20), (rewrites.Sum(r => r.Encrypted), rewrites.Sum(r => r.FromPreviousKeys)));
        var stored = await ReadTokensAsync(dataSource, ct);
        for (var i = 0; i < 20; i++)
        {
            // Encrypted twice would read back as the first ciphertext, not the token; the current key alone reads them all.
            Assert.Equal($"plain-token-{i:D2}-0123456789", _protector.Unprotect(stored[$"plain-{i:D2}"]!, SecretProtector.ForgeToken(ids[$"plain-{i:D2}"])));
            Assert.Equal($"old-token-{i:D2}-0123456789", _protector.Unprotect(stored[$"old-{i:D2}"]!, SecretProtector.ForgeToken(ids[$"old-{i:D2}"])));
        }
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_TokenUnderAPreviousKey_ReencryptedWithTheCurrentKeyAndThePreviousKeySaidToBeUnused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var previous = new SecretProtector(NewKey("previous"));
        var id = await InsertProtectedAsync(dataSource, "old", previous, "old-token-0123456789", ct);
        var logs = new DashboardHost.CapturedLogs();

        await Startup(dataSource, logs, new SecretProtector(_protector.Key, previous.Key)).StartAsync(ct);

        var stored = (await ReadTokensAsync(dataSource, ct))["old"]!;
        Assert.StartsWith($"enc:v2:{_protector.Key.Id}:", stored, StringComparison.Ordinal);
        Assert.Equal("old-token-0123456789", _protector.Unprotect(stored, SecretProtector.ForgeToken(id)));
        Assert.Contains(logs.Entries, e => e.Message.Contains(
            $"re-encrypted 1 forge token(s) from previous key(s) {previous.Key.Id} with key {_protector.Key.Id}", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Message.Contains(
            $"no stored forge token is encrypted with previous key(s) {previous.Key.Id} any more", StringComparison.Ordinal)
            && e.Message.Contains("remove Orchestrator:Secrets:PreviousKeys", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_FormatV1_RewrittenAsV2BoundToItsRow()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var previous = NewKey("previous");
        var ours = await InsertRepositoryAsync(dataSource, "v1-ours", null, ct);
        await SetTokenAsync(dataSource, ours, LegacyFormat.ProtectV1(_protector.Key, "v1-ours-0123456789"), ct);
        var old = await InsertRepositoryAsync(dataSource, "v1-previous", null, ct);
        await SetTokenAsync(dataSource, old, LegacyFormat.ProtectV1(previous, "v1-previous-0123456789"), ct);
        await InsertProtectedAsync(dataSource, "v2", _protector, "v2-token-0123456789", ct);
        var before = await ReadTokensAsync(dataSource, ct);
        var logs = new DashboardHost.CapturedLogs();

        await Startup(dataSource, logs, new SecretProtector(_protector.Key, previous)).StartAsync(ct);

        var stored = await ReadTokensAsync(dataSource, ct);
        Assert.StartsWith($"enc:v2:{_protector.Key.Id}:", stored["v1-ours"], StringComparison.Ordinal);
        Assert.StartsWith($"enc:v2:{_protector.Key.Id}:", stored["v1-previous"], StringComparison.Ordinal);
        Assert.Equal("v1-ours-0123456789", _protector.Unprotect(stored["v1-ours"]!, SecretProtector.ForgeToken(ours)));
        Assert.Equal("v1-previous-0123456789", _protector.Unprotect(stored["v1-previous"]!, SecretProtector.ForgeToken(old)));
        // Now bound to its row: in the other row it no longer decrypts, as it did in format v1.
        Assert.Throws<SecretUnreadableException>(() => _protector.Unprotect(stored["v1-ours"]!, SecretProtector.ForgeToken(old)));
        Assert.Equal(before["v2"], stored["v2"]);
        Assert.Contains(logs.Entries, e => e.Message.Contains($"rewrote 1 forge token(s) of format v1 as v2 (bound to their repository) with key {_protector.Key.Id}", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Message.Contains($"re-encrypted 1 forge token(s) from previous key(s) {previous.Id}", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_TokensOfAnotherKey_LoggedAsAnErrorWithTheirCountKeyIdAndRepositories()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var other = new SecretProtector(NewKey("other"));
        await InsertProtectedAsync(dataSource, "theirs-b", other, "their-token-b-0123456789", ct);
        await InsertProtectedAsync(dataSource, "theirs-a", other, "their-token-a-0123456789", ct);
        var v1 = await InsertRepositoryAsync(dataSource, "theirs-v1", null, ct);
        await SetTokenAsync(dataSource, v1, LegacyFormat.ProtectV1(other.Key, "their-token-v1-0123456789"), ct);
        await InsertProtectedAsync(dataSource, "ours", _protector, "our-token-0123456789", ct);
        // Not our format: its "key id" could be part of a token, so it is never logged.
        await InsertRepositoryAsync(dataSource, "odd", "enc:v1:TOKENPART:rest-of-a-token", ct);
        var before = await ReadTokensAsync(dataSource, ct);
        var logs = new DashboardHost.CapturedLogs();

        await Startup(dataSource, logs).StartAsync(ct);

        var error = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"3 stored forge token(s) were encrypted with key {other.Key.Id}, not with this orchestrator's key {_protector.Key.Id}", error.Message, StringComparison.Ordinal);
        Assert.Contains("(repositories: theirs-a, theirs-b, theirs-v1)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Secrets:Key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("TOKENPART", StringComparison.Ordinal));
        // Nothing is touched: the right key, set later, reads them.
        Assert.Equal(before, await ReadTokensAsync(dataSource, ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_UnknownKeyDuringARotation_ReportedAndUntouchedWhileThePreviousKeysTokensAreReencrypted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var previous = new SecretProtector(NewKey("previous"));
        var unknown = new SecretProtector(NewKey("unknown"));
        var old = await InsertProtectedAsync(dataSource, "old", previous, "old-token-0123456789", ct);
        await InsertProtectedAsync(dataSource, "stranger", unknown, "stranger-token-0123456789", ct);
        var before = await ReadTokensAsync(dataSource, ct);
        var logs = new DashboardHost.CapturedLogs();

        await Startup(dataSource, logs, new SecretProtector(_protector.Key, previous.Key)).StartAsync(ct);

        var stored = await ReadTokensAsync(dataSource, ct);
        Assert.Equal(before["stranger"], stored["stranger"]);
        Assert.Equal("old-token-0123456789", _protector.Unprotect(stored["old"]!, SecretProtector.ForgeToken(old)));
        var error = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"1 stored forge token(s) were encrypted with key {unknown.Key.Id}", error.Message, StringComparison.Ordinal);
        Assert.Contains("(repositories: stranger)", error.Message, StringComparison.Ordinal);
        // A previous key is known: its tokens are not reported as another key's.
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains($"encrypted with key {previous.Key.Id}", StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_ValueCopiedIntoAnotherRepositorysRow_LeftAsItIsAndReportedWithoutStopping()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var previous = new SecretProtector(NewKey("previous"));
        var source = await InsertProtectedAsync(dataSource, "source", previous, "source-token-0123456789", ct);
        var target = await InsertRepositoryAsync(dataSource, "target", null, ct);
        // Someone with write access to the database gives "target" the token of "source".
        await SetTokenAsync(dataSource, target, (await ReadTokensAsync(dataSource, ct))["source"]!, ct);
        var copied = (await ReadTokensAsync(dataSource, ct))["target"];
        var logs = new DashboardHost.CapturedLogs();

        await Startup(dataSource, logs, new SecretProtector(_protector.Key, previous.Key)).StartAsync(ct);

        var stored = await ReadTokensAsync(dataSource, ct);
        Assert.Equal("source-token-0123456789", _protector.Unprotect(stored["source"]!, SecretProtector.ForgeToken(source)));
        Assert.Equal(copied, stored["target"]);
        var error = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("1 stored forge token(s) do not decrypt (altered, or copied from another repository's row)", error.Message, StringComparison.Ordinal);
        Assert.Contains("(repositories: target)", error.Message, StringComparison.Ordinal);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning
            && e.Message.Contains($"1 stored forge token(s) are still encrypted with previous key(s) {previous.Key.Id}", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("source-token", StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StartAsync_OneInstanceRotatedAndOneStillOnTheOldKey_OldOneReportsUnreadableAndNothingIsLost()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync(ct));
        var oldKey = NewKey("old");
        var oldInstance = new SecretProtector(oldKey);
        var newInstance = new SecretProtector(_protector.Key, oldKey);
        var first = await InsertProtectedAsync(dataSource, "first", oldInstance, "first-token-0123456789", ct);

        // The rotated instance starts first and re-encrypts; the other one, not yet given the new key, starts after.
        await Startup(dataSource, new DashboardHost.CapturedLogs(), newInstance).StartAsync(ct);
        var oldLogs = new DashboardHost.CapturedLogs();
        await Startup(dataSource, oldLogs, oldInstance).StartAsync(ct);

        var stored = await ReadTokensAsync(dataSource, ct);
        var error = Assert.Single(oldLogs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"1 stored forge token(s) were encrypted with key {_protector.Key.Id}, not with this orchestrator's key {oldKey.Id} (repositories: first)",
            error.Message, StringComparison.Ordinal);
        var unreadable = Assert.Throws<SecretUnreadableException>(() => oldInstance.Unprotect(stored["first"]!, SecretProtector.ForgeToken(first)));
        Assert.Equal(_protector.Key.Id, unreadable.NeededKeyId);

        // Meanwhile the old instance stores a token with its key: the rotated one reads it, and its next start re-encrypts it.
        var second = await InsertProtectedAsync(dataSource, "second", oldInstance, "second-token-0123456789", ct);
        Assert.Equal("second-token-0123456789", newInstance.Unprotect((await ReadTokensAsync(dataSource, ct))["second"]!, SecretProtector.ForgeToken(second)));
        var restartLogs = new DashboardHost.CapturedLogs();
        await Startup(dataSource, restartLogs, newInstance).StartAsync(ct);
        Assert.Contains(restartLogs.Entries, e => e.Message.Contains($"re-encrypted 1 forge token(s) from previous key(s) {oldKey.Id}", StringComparison.Ordinal));

        // Given the new key, the old instance reads everything: nothing was lost.
        stored = await ReadTokensAsync(dataSource, ct);
        Assert.Equal("first-token-0123456789", _protector.Unprotect(stored["first"]!, SecretProtector.ForgeToken(first)));
        Assert.Equal("second-token-0123456789", _protector.Unprotect(stored["second"]!, SecretProtector.ForgeToken(second)));
    }

    private static SecretKey NewKey(string source) => SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), source);

    private SecretsStartup Startup(NpgsqlDataSource dataSource, DashboardHost.CapturedLogs logs, SecretProtector? protector = null) =>
        new(protector ?? _protector, dataSource, new LoggerFactory([logs]).CreateLogger<SecretsStartup>());

    /// <summary>Inserts a repository with <paramref name="token"/> stored as it is; returns its id.</summary>
    private static async Task<long> InsertRepositoryAsync(NpgsqlDataSource dataSource, string name, string? token, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO repositories (name, location, default_branch, stage_timeout, max_attempts, attempt_timeout, created_at, updated_at, forge_token)
            VALUES (@name, '/srv/git/x.git', 'main', interval '10 minutes', 2, interval '1 hour', now(), now(), @token)
            RETURNING id
            """);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.Add(new NpgsqlParameter<string?>("token", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = token });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Inserts a repository whose token <paramref name="protector"/> encrypted for its row, as an instance with that key stores it.</summary>
    private static async Task<long> InsertProtectedAsync(NpgsqlDataSource dataSource, string name, SecretProtector protector, string token, CancellationToken cancellationToken)
    {
        var id = await InsertRepositoryAsync(dataSource, name, null, cancellationToken);
        await SetTokenAsync(dataSource, id, protector.Protect(token, SecretProtector.ForgeToken(id)), cancellationToken);
        return id;
    }

    private static async Task SetTokenAsync(NpgsqlDataSource dataSource, long id, string stored, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE repositories SET forge_token = @token WHERE id = @id");
        command.Parameters.AddWithValue("token", stored);
        command.Parameters.AddWithValue("id", id);
        Assert.Equal(1, await command.ExecuteNonQueryAsync(cancellationToken));
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
