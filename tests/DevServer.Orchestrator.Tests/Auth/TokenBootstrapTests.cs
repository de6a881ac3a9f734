using DevServer.Orchestrator.Auth;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace DevServer.Orchestrator.Tests.Auth;

/// <summary>The token files of the data directory, against a fresh migrated database per test.</summary>
public sealed class TokenBootstrapTests(PostgresFixture postgres) : IDisposable
{
    private const int TimeoutMs = 60_000;
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly TestDirectory _data = new();

    private string AdminFile => Path.Combine(_data.Path, "admin.token");

    private string WorkerFile => Path.Combine(_data.Path, "worker.token");

    [Fact(Timeout = TimeoutMs)]
    public async Task EnsureTokensAsync_FirstStart_WritesActiveAdminAndWorkerTokensWithMode0600()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await SetUpAsync(ct);

        var issued = await setup.Bootstrap.EnsureTokensAsync(ct);

        Assert.Equal([ApiRole.Admin, ApiRole.Worker], issued);
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(AdminFile));
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(WorkerFile));
        var admin = (await File.ReadAllTextAsync(AdminFile, ct)).Trim();
        var worker = (await File.ReadAllTextAsync(WorkerFile, ct)).Trim();
        Assert.StartsWith("dsa_", admin, StringComparison.Ordinal);
        Assert.StartsWith("dsw_", worker, StringComparison.Ordinal);
        Assert.Equal(ApiRole.Admin, (await setup.Store.FindActiveAsync(ApiToken.Hash(admin), ct))?.Role);
        Assert.Equal(ApiRole.Worker, (await setup.Store.FindActiveAsync(ApiToken.Hash(worker), ct))?.Role);
        Assert.Empty(Directory.GetFiles(_data.Path, "*.tmp"));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task EnsureTokensAsync_SecondStart_KeepsTheTokens()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await SetUpAsync(ct);
        await setup.Bootstrap.EnsureTokensAsync(ct);
        var admin = await File.ReadAllTextAsync(AdminFile, ct);
        var worker = await File.ReadAllTextAsync(WorkerFile, ct);

        var issued = await setup.Bootstrap.EnsureTokensAsync(ct);

        Assert.Empty(issued);
        Assert.Equal(admin, await File.ReadAllTextAsync(AdminFile, ct));
        Assert.Equal(worker, await File.ReadAllTextAsync(WorkerFile, ct));
        Assert.Equal(2L, await setup.CountTokensAsync(ct));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task EnsureTokensAsync_FileDeletedOrTokenRevoked_IssuesANewOne()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await SetUpAsync(ct);
        await setup.Bootstrap.EnsureTokensAsync(ct);
        var oldWorker = (await File.ReadAllTextAsync(WorkerFile, ct)).Trim();
        File.Delete(AdminFile);
        await setup.Store.RevokeAsync((await setup.Store.FindActiveAsync(ApiToken.Hash(oldWorker), ct))!.TokenId, ct);

        var issued = await setup.Bootstrap.EnsureTokensAsync(ct);

        Assert.Equal([ApiRole.Admin, ApiRole.Worker], issued);
        var newWorker = (await File.ReadAllTextAsync(WorkerFile, ct)).Trim();
        Assert.NotEqual(oldWorker, newWorker);
        Assert.Equal(ApiRole.Worker, (await setup.Store.FindActiveAsync(ApiToken.Hash(newWorker), ct))?.Role);
        Assert.True(File.Exists(AdminFile));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task EnsureTokensAsync_FileHoldsAWorkerTokenAsAdmin_ReplacesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await SetUpAsync(ct);
        await setup.Bootstrap.EnsureTokensAsync(ct);
        File.Copy(WorkerFile, AdminFile, overwrite: true);

        var issued = await setup.Bootstrap.EnsureTokensAsync(ct);

        Assert.Equal([ApiRole.Admin], issued);
        var admin = (await File.ReadAllTextAsync(AdminFile, ct)).Trim();
        Assert.Equal(ApiRole.Admin, (await setup.Store.FindActiveAsync(ApiToken.Hash(admin), ct))?.Role);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task EnsureTokensAsync_TwoInstancesAtOnce_IssueOneTokenPerRole()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var setup = await SetUpAsync(ct);
        var other = new TokenBootstrap(setup.Settings, setup.DataSource, setup.Store, NullLogger<TokenBootstrap>.Instance);

        var issued = await Task.WhenAll(
            Task.Run(() => setup.Bootstrap.EnsureTokensAsync(ct), ct),
            Task.Run(() => other.EnsureTokensAsync(ct), ct));

        Assert.Equal(2, issued.Sum(roles => roles.Count));
        Assert.Equal(2L, await setup.CountTokensAsync(ct));
    }

    public void Dispose() => _data.Dispose();

    private async Task<Setup> SetUpAsync(CancellationToken cancellationToken)
    {
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken);
        var settings = DatabaseSettings.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orchestrator:DataDirectory"] = _data.Path,
            ["Orchestrator:Database:ConnectionString"] = connectionString,
        }).Build());
        var dataSource = NpgsqlDataSource.Create(settings.ConnectionString);
        var store = new ApiTokenStore(dataSource, TimeProvider.System);
        return new Setup(settings, dataSource, store, new TokenBootstrap(settings, dataSource, store, NullLogger<TokenBootstrap>.Instance));
    }

    private sealed record Setup(DatabaseSettings Settings, NpgsqlDataSource DataSource, ApiTokenStore Store, TokenBootstrap Bootstrap) : IAsyncDisposable
    {
        public async Task<long> CountTokensAsync(CancellationToken cancellationToken)
        {
            await using var command = DataSource.CreateCommand("SELECT count(*) FROM api_tokens");
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        public ValueTask DisposeAsync() => DataSource.DisposeAsync();
    }
}
