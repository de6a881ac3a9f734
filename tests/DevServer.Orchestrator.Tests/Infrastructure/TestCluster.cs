using DevServer.Orchestrator.Data;

namespace DevServer.Orchestrator.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server of the test's own, in a temporary folder (not the shared fixture's), for tests that stop, start
/// or freeze the database under an orchestrator or a writer. Disposing stops it and deletes the folder.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private readonly TestDirectory _folder = new();

    private TestCluster() => Server = Clusters.Create(Clusters.Options(_folder.Path));

    public EmbeddedPostgres Server { get; }

    public string PidFile => Path.Combine(Server.Options.ClusterDirectory, "postmaster.pid");

    /// <summary>Creates the cluster without starting it (nothing exists on disk until the first start).</summary>
    public static TestCluster Create() => new();

    public static async Task<TestCluster> StartAsync(CancellationToken cancellationToken)
    {
        var cluster = new TestCluster();
        try
        {
            await cluster.Server.StartAsync(cancellationToken);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The orchestrator's database on this server, as <paramref name="applicationName"/>.</summary>
    public string ConnectionString(string applicationName) => Server.Options.ConnectionString(EmbeddedPostgres.Database, 10, applicationName);

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await Server.StopAsync(stop.Token);
        }
        finally
        {
            _folder.Dispose();
        }
    }
}
