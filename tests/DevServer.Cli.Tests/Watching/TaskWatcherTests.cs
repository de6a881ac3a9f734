using System.Text.Json;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Cli.Watching;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Tasks.V1;
using Rpc;
using Rpc.Server;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli.Tests.Watching;

/// <summary><c>devserver task watch</c> against a scripted peer whose event stream breaks the ways an orchestrator's can.</summary>
public sealed class TaskWatcherTests : ScriptedOrchestratorTest
{
    private static readonly TaskEvent[] History =
    [
        Samples.Event(1, 0, e => e.Created = new TaskCreated { Title = "Implement calc.multiply", Repository = "demo-calc" }),
        Samples.StatusChange(2, TaskStatus.Pending, TaskStatus.Queued),
        Samples.StatusChange(3, TaskStatus.Queued, TaskStatus.Running, attempt: 1),
        Samples.Output(4, 1, "demo agent: writing multiply"),
        Samples.StatusChange(5, TaskStatus.Running, TaskStatus.Done, attempt: 1),
    ];

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Server.State.Tasks[7] = new GetTaskResponse { Task = Samples.Task(status: TaskStatus.Running) };
    }

    [Fact]
    public async Task Watch_StreamFailsUnavailable_ResumesAfterTheLastEventWithoutDuplicates()
    {
        Server.State.Watches.Add(async (request, stream, context) =>
        {
            await SendAsync(stream, History[0..3]);
            throw new RpcException(new Status(StatusCode.Unavailable, "shutting down"));
        });
        Server.State.Watches.Add(async (request, stream, context) =>
        {
            // A careless server resends 2 and 3: the watcher must print them once.
            await SendAsync(stream, History[1..]);
            Finish(TaskStatus.Done);
        });

        var result = await WatchAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "10:15:01      created    \"Implement calc.multiply\" in demo-calc\n" +
            "10:15:02      status     pending → queued\n" +
            "10:15:03  #1  status     queued → running\n" +
            "10:15:04  #1      agent | demo agent: writing multiply\n" +
            "10:15:05  #1  status     running → done\n" +
            "Task 7 done\n",
            result.Out);
        Assert.Equal("devserver: lost the event stream of task 7 (shutting down); reconnecting\n", result.Error);
        Assert.Equal([0L, 3L], Server.State.WatchRequests.Select(r => r.AfterSequence));
        Assert.All(Server.State.WatchRequests, r => Assert.True(r.UntilFinished));
    }

    [Fact]
    public async Task Watch_ConnectionDropped_PrintsEveryEventOnceInOrder()
    {
        Server.State.Watches.Add(async (request, stream, context) =>
        {
            await SendAsync(stream, History[0..3]);
            context.GetHttpContext().Abort();
        });
        Server.State.Watches.Add(async (request, stream, context) =>
        {
            await SendAsync(stream, History.Where(e => e.Sequence > request.AfterSequence));
            Finish(TaskStatus.Done);
        });

        var result = await WatchAsync();

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(History.Length + 1, lines.Length);
        Assert.Equal("Task 7 done", lines[^1]);
        Assert.Equal(lines[..^1], lines[..^1].Distinct());
        Assert.StartsWith("devserver: lost the event stream of task 7 (", result.Error, StringComparison.Ordinal);
        Assert.Equal(2, Server.State.WatchRequests.Count);
    }

    [Fact]
    public async Task Watch_StreamEndsBeforeTheTaskFinished_Reopens()
    {
        Server.State.Watches.Add((request, stream, context) => SendAsync(stream, History[0..2]));
        Server.State.Watches.Add(async (request, stream, context) =>
        {
            await SendAsync(stream, History[2..]);
            Finish(TaskStatus.Done);
        });

        var result = await WatchAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([0L, 2L], Server.State.WatchRequests.Select(r => r.AfterSequence));
        Assert.Equal("", result.Error);
    }

    [Theory]
    [InlineData(TaskStatus.Failed)]
    [InlineData(TaskStatus.Blocked)]
    [InlineData(TaskStatus.Cancelled)]
    public async Task Watch_TaskEndsUnsuccessfully_ExitsOneWithTheReason(TaskStatus status)
    {
        Server.State.Watches.Add(async (request, stream, context) =>
        {
            await SendAsync(stream, [.. History[0..3], Samples.StatusChange(4, TaskStatus.Running, status, attempt: 1, reason: "every attempt failed")]);
            Finish(status, "every attempt failed");
        });

        var result = await WatchAsync();

        Assert.Equal(ExitCodes.TaskUnsuccessful, result.ExitCode);
        Assert.EndsWith($"Task 7 {status.ToString().ToLowerInvariant()}: every attempt failed\n", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_Json_PrintsOneEventObjectPerLine()
    {
        Server.State.Watches.Add(async (request, stream, context) =>
        {
            await SendAsync(stream, History);
            Finish(TaskStatus.Done);
        });

        var result = await WatchAsync("--json");

        Assert.Equal(0, result.ExitCode);
        var sequences = result.Out.TrimEnd('\n').Split('\n').Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.GetProperty("sequence").GetString();
        });
        Assert.Equal(["1", "2", "3", "4", "5"], sequences);
    }

    [Fact]
    public async Task Watch_StreamKeepsFailing_GivesUpAsUnreachable()
    {
        Server.State.Watches.Add((request, stream, context) => throw new RpcException(new Status(StatusCode.Unavailable, "down")));

        var result = await TestCli.RunAsync(
            ["task", "watch", "7", "--server", Server.ServerOption, "--token", "t"],
            reconnect: new ReconnectPolicy(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(300)));

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        // The orchestrator answered (UNAVAILABLE, e.g. without its database): it runs, so no "is it running?" hint.
        Assert.EndsWith("devserver: the orchestrator at " + Server.ServerOption + " is unavailable: down\n", result.Error, StringComparison.Ordinal);
        Assert.True(Server.State.WatchRequests.Count > 2);
    }

    [Fact]
    public async Task Watch_UnknownTask_ExitsNotFound()
    {
        var result = await TestCli.RunAsync(["task", "watch", "8", "--server", Server.ServerOption, "--token", "t"]);

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.Empty(Server.State.WatchRequests);
    }

    [Fact]
    public void WatchState_StatusChange_ShowsStatusAttemptAndTimeInStatus()
    {
        var state = new TaskWatcher.WatchState(Samples.Task(status: TaskStatus.Running), Samples.Start);

        state.Apply(Samples.StatusChange(10, TaskStatus.Running, TaskStatus.Verifying, attempt: 2));

        Assert.Equal("task 7 · verifying · attempt 2 · 00:42", state.Render(Samples.Start.AddSeconds(52)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Watch_AgentCliJsonLines_ShownOnlyWithRawWhileTheirStepsAlwaysAre(bool raw)
    {
        var json = "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s-1\"}";
        Server.State.Watches.Add(async (request, stream, context) =>
        {
            await SendAsync(stream,
            [
                History[2],
                Samples.Output(4, 1, json),
                Samples.Event(5, 1, e => e.AgentActivity = new Contracts.Work.V1.AgentActivity
                {
                    SessionStarted = new Contracts.Work.V1.SessionStarted { SessionId = "s-1", Model = "sonnet" },
                }),
                Samples.Output(6, 1, "plain text from a script agent"),
            ]);
            Finish(TaskStatus.Done);
        });

        var result = await WatchAsync(raw ? ["--raw"] : []);

        Assert.Equal(raw, result.Out.Contains(json, StringComparison.Ordinal));
        Assert.Contains("session    started s-1 (sonnet)", result.Out, StringComparison.Ordinal);
        Assert.Contains("plain text from a script agent", result.Out, StringComparison.Ordinal);
    }

    private Task<CliResult> WatchAsync(params string[] extra) =>
        TestCli.RunAsync(["task", "watch", "7", "--server", Server.ServerOption, "--token", "t", .. extra]);

    private void Finish(TaskStatus status, string reason = "")
    {
        var task = Samples.Task(status: status);
        task.StatusReason = reason;
        Server.State.Tasks[7] = new GetTaskResponse { Task = task };
    }

    private static async Task SendAsync(IServerStreamWriter<WatchTaskEventsResponse> stream, IEnumerable<TaskEvent> events)
    {
        foreach (var taskEvent in events)
        {
            await stream.WriteAsync(new WatchTaskEventsResponse { Event = taskEvent });
        }
    }
}
