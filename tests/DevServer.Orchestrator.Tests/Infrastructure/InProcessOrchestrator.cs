using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace DevServer.Orchestrator.Tests.Infrastructure;

/// <summary>
/// What every in-process orchestrator host of these tests starts from (QueueHost, LogsHost, AnalyticsHost,
/// AuthenticatedHost): a loopback builder given a data directory and a database, and the tokens it writes there.
/// </summary>
internal static class InProcessOrchestrator
{
    /// <summary>A loopback builder configured as Program.cs reads a data directory and a database.</summary>
    public static WebApplicationBuilder CreateBuilder(string dataDirectory, string connectionString)
    {
        var builder = LoopbackHost.CreateBuilder(TimeSpan.FromSeconds(5));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orchestrator:DataDirectory"] = dataDirectory,
            ["Orchestrator:Database:ConnectionString"] = connectionString,
        });
        return builder;
    }

    /// <summary>The admin and worker tokens the orchestrator's authentication wrote into its data directory on start.</summary>
    public static async Task<(string Admin, string Worker)> ReadTokensAsync(string dataDirectory, CancellationToken cancellationToken) =>
        ((await File.ReadAllTextAsync(Path.Combine(dataDirectory, "admin.token"), cancellationToken)).Trim(),
         (await File.ReadAllTextAsync(Path.Combine(dataDirectory, "worker.token"), cancellationToken)).Trim());
}
