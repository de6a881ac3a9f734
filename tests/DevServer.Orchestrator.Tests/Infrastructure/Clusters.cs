using DevServer.Orchestrator.Data;
using Microsoft.Extensions.Logging.Abstractions;

namespace DevServer.Orchestrator.Tests.Infrastructure;

/// <summary>Embedded clusters the way the orchestrator makes them, in test folders.</summary>
internal static class Clusters
{
    /// <summary>What the orchestrator would choose in this process: <c>nobody</c> when privileged.</summary>
    public static string? RunAsUser => Environment.IsPrivilegedProcess ? "nobody" : null;

    public static EmbeddedPostgresOptions Options(string dataDirectory, params string[] serverSettings) =>
        new(dataDirectory, BinDirectory: null, Port: 5432, RunAsUser) { ServerSettings = serverSettings };

    public static EmbeddedPostgres Create(EmbeddedPostgresOptions options) => new(options, NullLogger<EmbeddedPostgres>.Instance);

    /// <summary>
    /// Stops a server an orchestrator process left in <paramref name="dataDirectory"/> (killed processes do not stop it:
    /// pg_ctl detaches the server). Nothing happens when there is no cluster or it is not running.
    /// </summary>
    public static async Task StopLeftoverAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var options = Options(dataDirectory);
        if (File.Exists(Path.Combine(options.ClusterDirectory, "postmaster.pid")))
        {
            await Create(options).StopAsync(cancellationToken);
        }
    }
}
