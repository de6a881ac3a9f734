using System.Text;
using System.Text.Json;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using Google.Protobuf;

namespace DevServer.Cli.Tests.Commands;

/// <summary>Commands against a scripted peer: what they print (human and --json), the token they send, their exit codes.</summary>
public sealed class ApiCommandTests : ScriptedOrchestratorTest
{
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var shown = new GetTaskResponse { Task = Samples.Task() };
        shown.Runs.Add(Samples.FailedRun());
        Server.State.Tasks[7] = shown;
    }

    [Fact]
    public async Task TaskShow_Human_PrintsTheTaskAndItsRuns()
    {
        var result = await RunAsync("task", "show", "7");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("Task 7: Implement calc.multiply\n  status        running\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("#1       failed   script  host-script", result.Out, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task TaskShow_Json_PrintsOneObjectWithTaskAndRuns()
    {
        var result = await RunAsync("task", "show", "7", "--json");

        Assert.Equal(0, result.ExitCode);
        var line = Assert.Single(result.Out.TrimEnd('\n').Split('\n'));
        using var document = JsonDocument.Parse(line);
        Assert.Equal("7", document.RootElement.GetProperty("task").GetProperty("id").GetString());
        Assert.Equal("TASK_STATUS_RUNNING", document.RootElement.GetProperty("task").GetProperty("status").GetString());
        var run = Assert.Single(document.RootElement.GetProperty("runs").EnumerateArray());
        Assert.Equal("RUN_OUTCOME_FAILED", run.GetProperty("outcome").GetString());
        Assert.Equal("test", run.GetProperty("verification").GetProperty("failedStage").GetString());
    }

    [Fact]
    public async Task TaskShow_UnknownTask_ExitsNotFoundWithTheServersMessage()
    {
        var result = await RunAsync("task", "show", "99");

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.Equal("devserver: Task 99 does not exist.\n", result.Error);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task TaskList_MorePages_PrintsTheNextPageToken()
    {
        Server.State.TaskPage = new ListTasksResponse { Tasks = { Samples.Task() }, NextPageToken = "after-7" };

        var human = await RunAsync("task", "list");
        var json = await RunAsync("task", "list", "--json");

        Assert.Equal(0, human.ExitCode);
        Assert.EndsWith("Implement calc.multiply\nMore tasks: --page-token after-7\n", human.Out, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(Assert.Single(json.Out.TrimEnd('\n').Split('\n')));
        Assert.Equal("after-7", document.RootElement.GetProperty("nextPageToken").GetString());
        Assert.Single(document.RootElement.GetProperty("tasks").EnumerateArray());
    }

    [Fact]
    public async Task RepoList_Repositories_PrintsATable()
    {
        Server.State.Repositories = new ListRepositoriesResponse
        {
            Repositories =
            {
                new Repository
                {
                    Id = 1, Name = "demo-calc", Location = "/srv/calc", DefaultBranch = "main",
                    Commands = new VerificationCommands { Build = "make", Test = "make test" },
                },
            },
        };

        var result = await RunAsync("repo", "list");

        Assert.Equal(
            "NAME       ID  BRANCH  CHECKS      LOCATION\n" +
            "demo-calc  1   main    build,test  /srv/calc\n",
            result.Out);
    }

    [Fact]
    public async Task Queue_State_PrintsOneLine()
    {
        var result = await RunAsync("queue");

        Assert.Equal("Queue: dispatching, concurrency 2, 3 queued, 1 active\n", result.Out);
    }

    [Fact]
    public async Task TaskPatch_ToStdout_WritesTheRawMboxAndTheSummaryOnStderr()
    {
        var mbox = Encoding.UTF8.GetBytes("From 1234 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] calc: add multiply\n\n-\n+é\n");
        Server.State.Patch = new GetTaskPatchResponse
        {
            Attempt = 1, BaseCommit = "0123456789abcdef", HeadCommit = "fedcba", CommitCount = 1, PatchSeries = ByteString.CopyFrom(mbox), Verified = true,
        };

        var result = await RunAsync("task", "patch", "7");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(mbox, result.RawOut);
        Assert.Equal("", result.Out);
        Assert.Equal("Patch of task 7: attempt 1, 1 commit(s) on 0123456789, verified\n", result.Error);
    }

    [Fact]
    public async Task TaskPatch_ToFile_WritesTheFile()
    {
        var mbox = Encoding.UTF8.GetBytes("From 1234 Mon Sep 17 00:00:00 2001\n");
        Server.State.Patch = new GetTaskPatchResponse { Attempt = 2, CommitCount = 1, PatchSeries = ByteString.CopyFrom(mbox) };
        var file = Path.Combine(Data, "task-7.mbox");

        var result = await RunAsync("task", "patch", "7", "-o", file);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(mbox, await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken));
        Assert.Contains($"to {file}", result.Out, StringComparison.Ordinal);
        Assert.Empty(result.RawOut);
    }

    [Fact]
    public async Task TaskPatch_NoWorkYet_ExitsRejected()
    {
        var result = await RunAsync("task", "patch", "7");

        Assert.Equal(ExitCodes.Rejected, result.ExitCode);
        Assert.Equal("devserver: No attempt produced work yet.\n", result.Error);
    }

    [Fact]
    public async Task AnyCommand_TokenOption_IsSentAsBearer()
    {
        Server.State.RequiredToken = "s3cret";

        var result = await TestCli.RunAsync(["queue", "--server", Server.ServerOption, "--data", Data, "--token", "s3cret"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["Bearer s3cret"], Server.State.Authorizations);
    }

    [Fact]
    public async Task AnyCommand_TokenFileInDataDirectory_IsSentAsBearer()
    {
        Server.State.RequiredToken = "from-file";
        await File.WriteAllTextAsync(Path.Combine(Data, "admin.token"), "from-file\n", TestContext.Current.CancellationToken);

        var result = await RunAsync("queue");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["Bearer from-file"], Server.State.Authorizations);
    }

    [Fact]
    public async Task AnyCommand_NoToken_ExitsUnreachableSayingWhereItLooked()
    {
        Server.State.RequiredToken = "s3cret";

        var result = await RunAsync("queue");

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Equal(
            $"devserver: the orchestrator wants a token and none was found (looked at --token, $DEVSERVER_TOKEN and {Path.Combine(Data, "admin.token")})\n",
            result.Error);
    }

    [Fact]
    public async Task AnyCommand_WrongToken_ExitsUnreachableNamingItsOrigin()
    {
        Server.State.RequiredToken = "s3cret";

        var result = await TestCli.RunAsync(["queue", "--server", Server.ServerOption, "--data", Data], new Dictionary<string, string> { ["DEVSERVER_TOKEN"] = "stale" });

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.Equal("devserver: the orchestrator refused the token from $DEVSERVER_TOKEN: A valid bearer token is required.\n", result.Error);
    }
}
