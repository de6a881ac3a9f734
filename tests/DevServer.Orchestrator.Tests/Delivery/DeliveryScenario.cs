using DevServer.Orchestrator.Tests.Infrastructure;
using Npgsql;

namespace DevServer.Orchestrator.Tests.Delivery;

/// <summary>
/// What a delivery test against a real database starts from: a database of its own, a temp folder with a bare remote
/// holding one commit and a series on top of it (<see cref="DeliverySeed.RemoteWithSeriesAsync"/>), and a task in
/// <c>delivering</c> (patch only) whose verified run holds the series. The repository's location is the remote served
/// over HTTP by a <see cref="GatedGitServer"/> (which holds git's requests until it is opened), or the bare remote's
/// path. Disposing it stops the server, closes the data source and deletes the folder.
/// </summary>
internal sealed class DeliveryScenario : IAsyncDisposable
{
    private readonly TestDirectory _folder;
    private readonly GatedGitServer? _remote;

    private DeliveryScenario(string connectionString, NpgsqlDataSource dataSource, TestDirectory folder, GatedGitServer? remote, long taskId)
    {
        ConnectionString = connectionString;
        DataSource = dataSource;
        _folder = folder;
        _remote = remote;
        TaskId = taskId;
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The server in front of the remote; only for a scenario made by <see cref="OverHttpAsync"/>.</summary>
    public GatedGitServer Remote => _remote ?? throw new InvalidOperationException("this scenario's remote is a path, not a server");

    public long TaskId { get; }

    /// <summary>
    /// The repository's location is the remote served over HTTP, held until <see cref="GatedGitServer.Open"/>; with
    /// <paramref name="requiredAuthorization"/>, the server answers only requests carrying that Authorization header.
    /// </summary>
    public static Task<DeliveryScenario> OverHttpAsync(PostgresFixture postgres, CancellationToken cancellationToken, string? requiredAuthorization = null) =>
        StartAsync(postgres, overHttp: true, requiredAuthorization, cancellationToken);

    /// <summary>The repository's location is the bare remote's path: git reads it directly, without any credential.</summary>
    public static Task<DeliveryScenario> ByPathAsync(PostgresFixture postgres, CancellationToken cancellationToken) =>
        StartAsync(postgres, overHttp: false, requiredAuthorization: null, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_remote is not null)
        {
            await _remote.DisposeAsync();
        }

        await DataSource.DisposeAsync();
        _folder.Dispose();
    }

    private static async Task<DeliveryScenario> StartAsync(
        PostgresFixture postgres, bool overHttp, string? requiredAuthorization, CancellationToken cancellationToken)
    {
        var connectionString = await postgres.CreateDatabaseAsync(cancellationToken);
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var folder = new TestDirectory();
        GatedGitServer? remote = null;
        try
        {
            var (bare, baseCommit, series) = await DeliverySeed.RemoteWithSeriesAsync(folder.Path, cancellationToken);
            remote = overHttp ? await GatedGitServer.StartAsync(bare, cancellationToken, requiredAuthorization) : null;
            var taskId = await DeliverySeed.SeedDeliveringTaskAsync(dataSource, remote?.Location ?? bare, baseCommit, series, cancellationToken);
            return new DeliveryScenario(connectionString, dataSource, folder, remote, taskId);
        }
        catch
        {
            // A failed arrangement leaves no server listening and no folder behind.
            if (remote is not null)
            {
                await remote.DisposeAsync();
            }

            await dataSource.DisposeAsync();
            folder.Dispose();
            throw;
        }
    }
}
