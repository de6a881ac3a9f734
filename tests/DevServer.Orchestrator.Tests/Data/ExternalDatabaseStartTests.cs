using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using Npgsql;

namespace DevServer.Orchestrator.Tests.Data;

/// <summary>The built orchestrator starting on an external PostgreSQL server that is not there yet, never comes, or refuses it.</summary>
public sealed class ExternalDatabaseStartTests(PostgresFixture postgres)
{
    private const int TimeoutMs = 120_000;
    private const string Waiting = "Database: waiting for the PostgreSQL server";
    private const string ReadyLine = "DevServer orchestrator: gRPC (h2c) on ";

    [Fact(Timeout = TimeoutMs)]
    public async Task Start_ServerComesUpWhileItWaits_TheOrchestratorStarts()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = TestCluster.Create();
        var connectionString = cluster.ConnectionString("external-start-test");
        // A server with the orchestrator's database in it, down for now.
        await cluster.Server.StartAsync(ct);
        await cluster.Server.StopAsync(ct);

        // As after a reboot: the orchestrator starts first, the database server once the orchestrator waits for it.
        await using var data = new OrchestratorDataDirectory();
        await using var process = OrchestratorProcess.Launch(
            data, $"--Orchestrator:Database:ConnectionString={connectionString}", "--Orchestrator:Database:StartupWait=00:03:00");
        await process.WaitForLineAsync(line => line.Contains(Waiting, StringComparison.Ordinal) ? line : null, OrchestratorProcess.StartTimeout, ct);
        await cluster.Server.StartAsync(ct);

        await process.WaitForLineAsync(line => line.Contains(ReadyLine, StringComparison.Ordinal) ? line : null, OrchestratorProcess.StartTimeout, ct);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Start_ServerNeverComes_ExitsUnavailableWithOneLine()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var data = new OrchestratorDataDirectory();
        using var nowhere = new TestDirectory();
        await using var process = OrchestratorProcess.Launch(
            data,
            $"--Orchestrator:Database:ConnectionString=Host={nowhere.Path};Username=devserver;Database=devserver",
            "--Orchestrator:Database:StartupWait=00:00:03");

        var result = await process.WaitForExitAsync(OrchestratorProcess.StartTimeout, ct);

        Assert.False(result.TimedOut, result.ToString());
        // 69, EX_UNAVAILABLE: unlike 1, systemd's unit restarts it (the database may be there next time).
        Assert.Equal(69, result.ExitCode);
        Assert.Contains($"DevServer orchestrator cannot start: cannot reach the PostgreSQL server at {nowhere.Path} (waited ", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.StandardError, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Start_DatabaseDoesNotExist_ExitsOneAtOnceNamingIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = new NpgsqlConnectionStringBuilder(await postgres.CreateEmptyDatabaseAsync(ct)) { Database = "no_such_database" }.ConnectionString;
        await using var data = new OrchestratorDataDirectory();
        await using var process = OrchestratorProcess.Launch(data, $"--Orchestrator:Database:ConnectionString={connectionString}");

        var result = await process.WaitForExitAsync(OrchestratorProcess.StartTimeout, ct);

        Assert.False(result.TimedOut, result.ToString());
        // 1: a person must fix this, so systemd does not restart it; and it did not wait for StartupWait (60 s).
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("refused the connection", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("\"no_such_database\" does not exist", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(Waiting, result.StandardOutput, StringComparison.Ordinal);
    }
}
