using System.Text.Json;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Contracts;
using ServingStatus = Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace DevServer.Cli.Tests.Commands;

/// <summary>`devserver status` against an orchestrator that is not serving (the serving case runs against the real one in LocalSystemTests).</summary>
public sealed class StatusCommandTests : ScriptedOrchestratorTest
{
    [Fact]
    public async Task Status_DatabaseUnreachable_SaysSoAndExitsUnreachable()
    {
        Server.Health.SetStatus(HealthServiceNames.Database, ServingStatus.NotServing);
        Server.Health.SetStatus("", ServingStatus.NotServing);

        var result = await RunAsync("status");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Equal($"Orchestrator: {Server.ServerOption}, not serving\nDatabase: cannot be reached\n", result.Out);
        Assert.Equal("devserver: the orchestrator is not serving: it cannot reach its database\n", result.Error);
    }

    [Fact]
    public async Task Status_JsonDatabaseUnreachable_OneLineWithBothStatusesByTheirProtoNames()
    {
        Server.Health.SetStatus(HealthServiceNames.Database, ServingStatus.NotServing);
        Server.Health.SetStatus("", ServingStatus.NotServing);

        var result = await RunAsync("status", "--json");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        using var json = JsonDocument.Parse(Assert.Single(result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal("NOT_SERVING", json.RootElement.GetProperty("server").GetString());
        Assert.Equal("NOT_SERVING", json.RootElement.GetProperty("database").GetString());
    }

    // A time limit of its own: without the command's deadline it would wait forever, and fail instead of hanging CI.
    [Fact(Timeout = 30_000)]
    public async Task Status_QueueDoesNotAnswer_GivesUpAtItsTimeoutAndExitsUnreachable()
    {
        Server.State.QueueHangs = true;

        var result = await RunAsync("status", "--timeout", "1s");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.StartsWith($"Orchestrator: {Server.ServerOption}, serving\n", result.Out, StringComparison.Ordinal);
        Assert.StartsWith($"devserver: the orchestrator at {Server.ServerOption} did not answer in time", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NotServingForAnotherReason_NamesNoDatabaseProblem()
    {
        // An orchestrator of an older version: no database entry in its health.
        Server.Health.SetStatus("", ServingStatus.NotServing);

        var result = await RunAsync("status");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Equal($"Orchestrator: {Server.ServerOption}, not serving\nDatabase: not reported by this orchestrator\n", result.Out);
        Assert.Equal("devserver: the orchestrator is not serving\n", result.Error);
    }
}
