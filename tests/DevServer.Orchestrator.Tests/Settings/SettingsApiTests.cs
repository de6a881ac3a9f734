using System.Security.Cryptography;
using System.Text;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Settings.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Tests.Tasks;
using Google.Protobuf;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Settings;

/// <summary>
/// SettingsService on the built orchestrator: the settings (the same values QueueService shows and changes), their
/// validation, and the secrets, masked. Each test puts the settings back to the defaults when it ends.
/// </summary>
public sealed class SettingsApiTests(SettingsOrchestratorFixture orchestrator) : IClassFixture<SettingsOrchestratorFixture>, IAsyncLifetime
{
    private const int TimeoutMs = 90_000;
    private const string Bullets = "••••••••";

    private SettingsService.SettingsServiceClient Settings => orchestrator.Settings;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await Settings.UpdateSettingsAsync(
        new UpdateSettingsRequest { MaxConcurrency = 2, QueuePaused = false, AutoEnqueue = false, NotificationsEnabled = true },
        cancellationToken: CancellationToken.None);

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateSettings_EveryField_StoredAndReadBack()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = (await Settings.GetSettingsAsync(new GetSettingsRequest(), cancellationToken: ct)).Settings;

        var updated = (await Settings.UpdateSettingsAsync(
            new UpdateSettingsRequest { MaxConcurrency = 7, QueuePaused = true, AutoEnqueue = true, NotificationsEnabled = false }, cancellationToken: ct)).Settings;
        var read = (await Settings.GetSettingsAsync(new GetSettingsRequest(), cancellationToken: ct)).Settings;

        Assert.Equal(new Contracts.Settings.V1.Settings { MaxConcurrency = 2, QueuePaused = false, AutoEnqueue = false, NotificationsEnabled = true }, before);
        Assert.Equal(new Contracts.Settings.V1.Settings { MaxConcurrency = 7, QueuePaused = true, AutoEnqueue = true, NotificationsEnabled = false }, updated);
        Assert.Equal(updated, read);
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("max_concurrency")]
    [InlineData("queue_paused")]
    [InlineData("auto_enqueue")]
    [InlineData("notifications_enabled")]
    public async Task UpdateSettings_OneField_OnlyItChanges(string field)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = (await Settings.GetSettingsAsync(new GetSettingsRequest(), cancellationToken: ct)).Settings;
        var request = new UpdateSettingsRequest();
        var expected = before.Clone();
        switch (field)
        {
            case "max_concurrency":
                request.MaxConcurrency = expected.MaxConcurrency = 10;
                break;
            case "queue_paused":
                request.QueuePaused = expected.QueuePaused = !before.QueuePaused;
                break;
            case "auto_enqueue":
                request.AutoEnqueue = expected.AutoEnqueue = !before.AutoEnqueue;
                break;
            default:
                request.NotificationsEnabled = expected.NotificationsEnabled = !before.NotificationsEnabled;
                break;
        }

        var updated = (await Settings.UpdateSettingsAsync(request, cancellationToken: ct)).Settings;

        Assert.Equal(expected, updated);
        Assert.NotEqual(before, updated);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateSettings_ConcurrencyAndPause_GetQueueShowsTheSameValues()
    {
        var ct = TestContext.Current.CancellationToken;

        await Settings.UpdateSettingsAsync(new UpdateSettingsRequest { MaxConcurrency = 5, QueuePaused = true }, cancellationToken: ct);
        var queue = (await orchestrator.Queue.GetQueueAsync(new GetQueueRequest(), cancellationToken: ct)).Queue;

        Assert.Equal((true, 5), (queue.Paused, queue.MaxConcurrency));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateQueue_ConcurrencyAndPause_GetSettingsShowsTheSameValues()
    {
        var ct = TestContext.Current.CancellationToken;

        await orchestrator.Queue.UpdateQueueAsync(new UpdateQueueRequest { MaxConcurrency = 4, Paused = true }, cancellationToken: ct);
        var settings = (await Settings.GetSettingsAsync(new GetSettingsRequest(), cancellationToken: ct)).Settings;

        Assert.Equal((true, 4), (settings.QueuePaused, settings.MaxConcurrency));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(-3)]
    public async Task UpdateSettings_ConcurrencyOutOfRange_InvalidArgumentAndNothingChanges(int maxConcurrency)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = (await Settings.GetSettingsAsync(new GetSettingsRequest(), cancellationToken: ct)).Settings;

        // The other fields are valid; none of them may be applied without the rest of the request.
        var error = await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Settings.UpdateSettingsAsync(
            new UpdateSettingsRequest
            {
                MaxConcurrency = maxConcurrency,
                QueuePaused = !before.QueuePaused,
                AutoEnqueue = !before.AutoEnqueue,
                NotificationsEnabled = !before.NotificationsEnabled,
            },
            cancellationToken: ct));

        Assert.Contains("max_concurrency", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, (await Settings.GetSettingsAsync(new GetSettingsRequest(), cancellationToken: ct)).Settings);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateSettings_NothingSet_InvalidArgument() =>
        await RpcAssert.FailsAsync(StatusCode.InvalidArgument, async () => await Settings.UpdateSettingsAsync(
            new UpdateSettingsRequest(), cancellationToken: TestContext.Current.CancellationToken));

    [Fact(Timeout = TimeoutMs)]
    public async Task GetSettings_WorkerToken_PermissionDenied() =>
        await RpcAssert.FailsAsync(StatusCode.PermissionDenied, async () => await orchestrator.SettingsAsWorker.GetSettingsAsync(
            new GetSettingsRequest(), cancellationToken: TestContext.Current.CancellationToken));

    [Fact(Timeout = TimeoutMs)]
    public async Task UpdateSettings_PausedThenResumed_QueuedTaskWaitsThenIsDispatched()
    {
        var ct = TestContext.Current.CancellationToken;
        var vendor = orchestrator.UniqueName("paused");
        var repository = (await orchestrator.Repositories.AddRepositoryAsync(
            new AddRepositoryRequest { Name = orchestrator.UniqueName("repo"), Location = "/srv/git/sample.git" }, cancellationToken: ct)).Repository;
        await Settings.UpdateSettingsAsync(new UpdateSettingsRequest { QueuePaused = true }, cancellationToken: ct);
        using var worker = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(vendor), ct);
        var task = (await orchestrator.Tasks.CreateTaskAsync(
            new CreateTaskRequest { Repository = repository.Name, Title = "waits", Vendor = vendor, Enqueue = true }, cancellationToken: ct)).Task;

        // Longer than the dispatcher's 5 s backstop: only the pause keeps the task from the free worker.
        await Task.Delay(TimeSpan.FromSeconds(6), ct);
        var waiting = (await orchestrator.Tasks.GetTaskAsync(new GetTaskRequest { Id = task.Id }, cancellationToken: ct)).Task;
        await Settings.UpdateSettingsAsync(new UpdateSettingsRequest { QueuePaused = false }, cancellationToken: ct);
        var assignment = await worker.NextAssignmentAsync(ct);

        Assert.Equal(TaskStatus.Queued, waiting.Status);
        Assert.Equal(task.Id, assignment.TaskId);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetSettings_ForgeTokens_MaskedAndTheirValuesNowhereInTheResponse()
    {
        var ct = TestContext.Current.CancellationToken;
        var longToken = "repo-canary-" + Guid.NewGuid().ToString("N");
        var shortToken = "short-" + Guid.NewGuid().ToString("N")[..8];
        // The prefixes fix the order (repositories are listed by name).
        var withLong = await AddRepositoryAsync("a-secret", longToken, ct);
        var withShort = await AddRepositoryAsync("b-secret", shortToken, ct);
        var without = await AddRepositoryAsync("c-secret", token: null, ct);

        var response = await Settings.GetSettingsAsync(new GetSettingsRequest(), cancellationToken: ct);

        var bytes = response.ToByteArray();
        var text = Encoding.UTF8.GetString(bytes) + JsonFormatter.Default.Format(response);
        foreach (var secret in new[] { longToken, shortToken, SettingsOrchestratorFixture.ConfiguredToken })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret[..^4], text, StringComparison.Ordinal);
        }

        var forge = response.Secrets.Where(s => s.Kind == "forge token").ToList();
        Assert.Equal(
            [
                ($"repository {withLong.Name}", "database", Bullets + longToken[^4..]),
                ($"repository {withShort.Name}", "database", Bullets),
                ($"host {SettingsOrchestratorFixture.ConfiguredHost}", "configuration", Bullets + SettingsOrchestratorFixture.ConfiguredToken[^4..]),
            ],
            forge.Select(s => (s.Scope, s.Source, s.Masked)));
        Assert.DoesNotContain(response.Secrets, s => s.Scope.Contains(without.Name, StringComparison.Ordinal));
        Assert.NotNull(forge[0].UpdatedAt);
        Assert.Null(forge[2].UpdatedAt);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetSettings_TokenEncryptedWithAnotherKey_ListedAsUnreadableBesideTheReadableOnes()
    {
        var ct = TestContext.Current.CancellationToken;
        var readableToken = "readable-canary-" + Guid.NewGuid().ToString("N");
        var otherToken = "other-key-canary-" + Guid.NewGuid().ToString("N");
        var other = new SecretProtector(SecretKey.FromBytes(RandomNumberGenerator.GetBytes(SecretKey.Size), "another instance"));
        var readable = await AddRepositoryAsync("d-readable", readableToken, ct);
        var unreadable = await AddRepositoryAsync("e-unreadable", "replaced-below-0123456789", ct);
        try
        {
            // As an instance of the same database with another key stores it.
            await SetStoredTokenAsync(unreadable.Name, other.Protect(otherToken, SecretProtector.ForgeToken(unreadable.Id)), ct);

            var response = await Settings.GetSettingsAsync(new GetSettingsRequest(), cancellationToken: ct);

            var masked = response.Secrets.Where(s => s.Kind == "forge token").ToDictionary(s => s.Scope, s => s.Masked);
            Assert.Equal(Bullets + readableToken[^4..], masked[$"repository {readable.Name}"]);
            Assert.Equal($"unreadable: encrypted with key {other.Key.Id}", masked[$"repository {unreadable.Name}"]);
            Assert.DoesNotContain(otherToken[^8..], JsonFormatter.Default.Format(response), StringComparison.Ordinal);
        }
        finally
        {
            // The other tests of the class list every forge token.
            foreach (var name in new[] { readable.Name, unreadable.Name })
            {
                await orchestrator.Repositories.RemoveRepositoryAsync(new RemoveRepositoryRequest { Repository = name }, cancellationToken: CancellationToken.None);
            }
        }
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetSettings_TokenCopiedFromAnotherRepositorysRow_ListedAsUnreadableNotTheCopiedToken()
    {
        var ct = TestContext.Current.CancellationToken;
        var sourceToken = "copied-canary-" + Guid.NewGuid().ToString("N");
        var source = await AddRepositoryAsync("f-source", sourceToken, ct);
        var target = await AddRepositoryAsync("g-target", "replaced-below-0123456789", ct);
        try
        {
            // Someone with write access to the database gives the target the source's token, as stored.
            await SetStoredTokenAsync(target.Name, await ReadStoredTokenAsync(source.Name, ct), ct);

            var response = await Settings.GetSettingsAsync(new GetSettingsRequest(), cancellationToken: ct);

            var masked = response.Secrets.Where(s => s.Kind == "forge token").ToDictionary(s => s.Scope, s => s.Masked);
            Assert.Equal(Bullets + sourceToken[^4..], masked[$"repository {source.Name}"]);
            Assert.Equal("unreadable: altered or damaged", masked[$"repository {target.Name}"]);
        }
        finally
        {
            // The other tests of the class list every forge token.
            foreach (var name in new[] { source.Name, target.Name })
            {
                await orchestrator.Repositories.RemoveRepositoryAsync(new RemoveRepositoryRequest { Repository = name }, cancellationToken: CancellationToken.None);
            }
        }
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task GetSettings_ApiTokens_ListedByNameAndRoleWithoutAnyValue()
    {
        var response = await Settings.GetSettingsAsync(new GetSettingsRequest(), cancellationToken: TestContext.Current.CancellationToken);

        var tokens = response.Secrets.Where(s => s.Kind == "API token").ToList();
        Assert.Equal(2, tokens.Count);
        Assert.Contains(tokens, t => t.Scope.EndsWith(", admin role", StringComparison.Ordinal));
        Assert.Contains(tokens, t => t.Scope.EndsWith(", worker role", StringComparison.Ordinal));
        Assert.All(tokens, t => Assert.Equal(("database (SHA-256 only)", ""), (t.Source, t.Masked)));
        Assert.All(tokens, t => Assert.NotNull(t.UpdatedAt));
    }

    private async Task<Repository> AddRepositoryAsync(string prefix, string? token, CancellationToken cancellationToken)
    {
        var request = new AddRepositoryRequest { Name = orchestrator.UniqueName(prefix), Location = "/srv/git/sample.git" };
        if (token is not null)
        {
            request.ForgeToken = token;
        }

        return (await orchestrator.Repositories.AddRepositoryAsync(request, cancellationToken: cancellationToken)).Repository;
    }

    private async Task SetStoredTokenAsync(string repository, string stored, CancellationToken cancellationToken)
    {
        await using var dataSource = OpenDatabase();
        await using var command = dataSource.CreateCommand("UPDATE repositories SET forge_token = @token WHERE name = @name");
        command.Parameters.AddWithValue("token", stored);
        command.Parameters.AddWithValue("name", repository);
        Assert.Equal(1, await command.ExecuteNonQueryAsync(cancellationToken));
    }

    private async Task<string> ReadStoredTokenAsync(string repository, CancellationToken cancellationToken)
    {
        await using var dataSource = OpenDatabase();
        await using var command = dataSource.CreateCommand("SELECT forge_token FROM repositories WHERE name = @name");
        command.Parameters.AddWithValue("name", repository);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The orchestrator's own database (its embedded cluster, in its data directory).</summary>
    private NpgsqlDataSource OpenDatabase()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [DatabaseOptions.DataDirectoryKey] = orchestrator.DataDirectory })
            .Build();
        return NpgsqlDataSource.Create(DatabaseSettings.FromConfiguration(configuration).ConnectionString);
    }
}
