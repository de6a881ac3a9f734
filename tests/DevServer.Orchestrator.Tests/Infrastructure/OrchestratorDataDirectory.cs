using DevServer.Contracts;

namespace DevServer.Orchestrator.Tests.Infrastructure;

/// <summary>
/// A temporary data directory for an orchestrator process. Disposing it stops the embedded PostgreSQL an orchestrator
/// left running there (a killed orchestrator cannot stop it, and pg_ctl detaches the server from its process tree),
/// then deletes it.
/// </summary>
public sealed class OrchestratorDataDirectory : IAsyncDisposable
{
    private readonly TestDirectory _directory = new();

    public string Path => _directory.Path;

    public string PostmasterPidFile => System.IO.Path.Combine(LocalInstallation.EmbeddedClusterDirectory(Path), "postmaster.pid");

    /// <summary>The setting that points an orchestrator here.</summary>
    public string Setting => $"--Orchestrator:DataDirectory={Path}";

    public string ReadAdminToken() => File.ReadAllText(System.IO.Path.Combine(Path, LocalInstallation.AdminTokenFileName)).Trim();

    public string ReadWorkerToken() => File.ReadAllText(System.IO.Path.Combine(Path, LocalInstallation.WorkerTokenFileName)).Trim();

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Clusters.StopLeftoverAsync(Path, timeout.Token);
        _directory.Dispose();
    }
}
