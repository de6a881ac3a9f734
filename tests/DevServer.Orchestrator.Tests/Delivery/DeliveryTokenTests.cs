using System.Security.Cryptography;
using System.Text;
using DevServer.Contracts.Events.V1;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Npgsql;
using static DevServer.Orchestrator.Tests.Delivery.DeliverySeed;

namespace DevServer.Orchestrator.Tests.Delivery;

/// <summary>
/// The repository's forge token as delivery reads it from a real database: a token stored in plain text before
/// encryption is encrypted when the instance starts and still reaches the remote; one encrypted with another key blocks
/// the delivery with a reason that says which key it needs, and is not retried. The remote requires the token, as a
/// private repository does.
/// </summary>
public sealed class DeliveryTokenTests(PostgresFixture postgres)
{
    private const int TimeoutMs = 60_000;

    private static readonly Dictionary<string, string?> FastPolling = new() { ["PollInterval"] = "00:00:00.200" };

    [Fact(Timeout = TimeoutMs)]
    public async Task DeliveryLoop_PlainTokenStoredBeforeEncryption_EncryptedAtStartAndSentToTheRemote()
    {
        var ct = TestContext.Current.CancellationToken;
        var token = "legacy-canary-" + Guid.NewGuid().ToString("N");
        await using var setup = await SetUpAsync(token, stored: token, ct);

        await using var host = await DeliveryHost.StartAsync(setup.ConnectionString, FastPolling, ct);
        await WaitUntilAsync(async () => await ReadStatusAsync(setup.DataSource, setup.TaskId, ct) != "delivering", ct);

        Assert.Equal("done", await ReadStatusAsync(setup.DataSource, setup.TaskId, ct));
        // The export cloned the remote, which answers only with the token: the decrypted token was sent.
        Assert.True(await HasDiffStatisticsAsync(setup.DataSource, setup.TaskId, ct));
        Assert.NotEmpty(setup.Remote.Authorizations);
        Assert.All(setup.Remote.Authorizations, header => Assert.Equal(BasicAuthorization(token), header));
        var stored = await setup.ReadStoredTokenAsync(ct);
        Assert.StartsWith($"enc:v2:{DeliveryHost.SharedKey.Id}:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(token, stored, StringComparison.Ordinal);
        // Bound to the row of the scenario's only repository.
        await using var idQuery = setup.DataSource.CreateCommand("SELECT id FROM repositories");
        Assert.Equal(token, new SecretProtector(DeliveryHost.SharedKey).Unprotect(stored, SecretProtector.ForgeToken((long)(await idQuery.ExecuteScalarAsync(ct))!)));
        Assert.Contains(host.Logs, entry => entry.Message.Contains("encrypted 1 forge token(s) stored in plain text", StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task DeliveryLoop_TokenEncryptedWithAnotherKey_BlockedNamingTheKeyNeededAndNotRetried()
    {
        var ct = TestContext.Current.CancellationToken;
        var token = "other-key-canary-" + Guid.NewGuid().ToString("N");
        var otherKey = SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "another instance");
        // Which row the value is bound to does not matter: the key is what this instance lacks.
        await using var setup = await SetUpAsync(token, new SecretProtector(otherKey).Protect(token, SecretProtector.ForgeToken(0)), ct);

        await using var host = await DeliveryHost.StartAsync(setup.ConnectionString, FastPolling, ct);
        await WaitUntilAsync(async () => await ReadStatusAsync(setup.DataSource, setup.TaskId, ct) != "delivering", ct);

        Assert.Equal("blocked", await ReadStatusAsync(setup.DataSource, setup.TaskId, ct));
        var (reason, blockedBy, failures) = await setup.ReadBlockAsync(ct);
        Assert.Equal(("delivery", 0), (blockedBy, failures));
        Assert.Contains($"the forge token of repository '{setup.RepositoryName}' cannot be decrypted", reason, StringComparison.Ordinal);
        Assert.Contains($"encrypted with key {otherKey.Id}", reason, StringComparison.Ordinal);
        Assert.Contains(DeliveryHost.SharedKey.Id, reason, StringComparison.Ordinal);
        Assert.Contains("Orchestrator:Secrets:Key", reason, StringComparison.Ordinal);
        Assert.Contains("--forge-token-file", reason, StringComparison.Ordinal);
        Assert.DoesNotContain(token, reason, StringComparison.Ordinal);
        Assert.Equal(
            [TaskEvent.KindOneofCase.DeliveryStarted, TaskEvent.KindOneofCase.DeliveryFailed, TaskEvent.KindOneofCase.StatusChanged],
            await ReadEventKindsAsync(setup.DataSource, setup.TaskId, ct));
        // Nothing was sent anywhere without the token: the remote saw no request.
        Assert.Empty(setup.Remote.Authorizations);
        // Reported at start, without stopping the instance.
        Assert.Contains(host.Logs, entry => entry.Level == LogLevel.Error
            && entry.Message.Contains($"1 stored forge token(s) were encrypted with key {otherKey.Id}", StringComparison.Ordinal)
            && entry.Message.Contains(setup.RepositoryName, StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs, entry => entry.Message.Contains(token, StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task DeliveryLoop_TokenEncryptedWithAnotherKeyButNotNeeded_PatchFromAPathRemoteDelivered()
    {
        var ct = TestContext.Current.CancellationToken;
        var otherKey = SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "another instance");
        // A bare repository by path and the patch flow: git sends no token, and no forge API is called.
        await using var scenario = await DeliveryScenario.ByPathAsync(postgres, ct);
        var (connectionString, dataSource, taskId) = (scenario.ConnectionString, scenario.DataSource, scenario.TaskId);
        await using (var command = dataSource.CreateCommand(
            "UPDATE repositories SET forge_token = @token WHERE id = (SELECT repository_id FROM tasks WHERE id = @task)"))
        {
            command.Parameters.AddWithValue("token", new SecretProtector(otherKey).Protect("unused-token", SecretProtector.ForgeToken(0)));
            command.Parameters.AddWithValue("task", taskId);
            await command.ExecuteNonQueryAsync(ct);
        }

        await using var host = await DeliveryHost.StartAsync(connectionString, FastPolling, ct);
        await WaitUntilAsync(async () => await ReadStatusAsync(dataSource, taskId, ct) != "delivering", ct);

        Assert.Equal("done", await ReadStatusAsync(dataSource, taskId, ct));
    }

    private static string BasicAuthorization(string token) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"oauth2:{token}"));

    /// <summary>A remote requiring <paramref name="token"/>, and a delivering task of a Gitea repository whose stored token is <paramref name="stored"/>.</summary>
    private async Task<Setup> SetUpAsync(string token, string stored, CancellationToken cancellationToken)
    {
        var scenario = await DeliveryScenario.OverHttpAsync(postgres, cancellationToken, BasicAuthorization(token));
        scenario.Remote.Open();
        await using var command = scenario.DataSource.CreateCommand(
            """
            UPDATE repositories SET forge_kind = 'gitea', forge_api_url = 'http://127.0.0.1:9/api/v1', forge_repository = 'acme/app', forge_token = @token
            WHERE id = (SELECT repository_id FROM tasks WHERE id = @task)
            RETURNING name
            """);
        command.Parameters.AddWithValue("token", stored);
        command.Parameters.AddWithValue("task", scenario.TaskId);
        var name = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new Setup(scenario, name);
    }

    private sealed record Setup(DeliveryScenario Scenario, string RepositoryName) : IAsyncDisposable
    {
        public string ConnectionString => Scenario.ConnectionString;

        public NpgsqlDataSource DataSource => Scenario.DataSource;

        public GatedGitServer Remote => Scenario.Remote;

        public long TaskId => Scenario.TaskId;

        public async Task<string> ReadStoredTokenAsync(CancellationToken cancellationToken)
        {
            await using var command = DataSource.CreateCommand("SELECT forge_token FROM repositories WHERE name = @name");
            command.Parameters.AddWithValue("name", RepositoryName);
            return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        public async Task<(string Reason, string BlockedBy, int Failures)> ReadBlockAsync(CancellationToken cancellationToken)
        {
            await using var command = DataSource.CreateCommand("SELECT status_reason, delivery_blocked, delivery_failures FROM tasks WHERE id = @task");
            command.Parameters.AddWithValue("task", TaskId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            Assert.True(await reader.ReadAsync(cancellationToken));
            return (reader.GetString(0), reader.GetString(1), reader.GetInt32(2));
        }

        public ValueTask DisposeAsync() => Scenario.DisposeAsync();
    }
}
