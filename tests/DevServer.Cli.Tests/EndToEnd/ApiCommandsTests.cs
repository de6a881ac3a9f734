using System.Text.Json;
using System.Text.RegularExpressions;
using DevServer.Cli.Local;
using DevServer.Cli.Tests.Infrastructure;

namespace DevServer.Cli.Tests.EndToEnd;

/// <summary>The repository, task and queue commands against the real orchestrator started by `devserver up`.</summary>
public sealed class ApiCommandsTests(RunningSystem system) : IClassFixture<RunningSystem>
{
    [Fact]
    public async Task Repo_AddShowUpdateListRemove_RoundTrips()
    {
        var location = await SampleAsync("calc-a");

        var added = await system.RunAsync("repo", "add", "calc-a", location, "--build", "make", "--test", "make test", "--stage-timeout", "5m", "--max-attempts", "3");
        var again = await system.RunAsync("repo", "add", "calc-a", location);
        var updated = await system.RunAsync("repo", "update", "calc-a", "--lint", "make lint");
        var shown = await system.RunAsync("repo", "show", "calc-a");
        var listed = await system.RunAsync("repo", "list", "--json");
        var removed = await system.RunAsync("repo", "remove", "calc-a");
        var gone = await system.RunAsync("repo", "show", "calc-a");

        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.StartsWith("Added repository calc-a (id ", added.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Rejected, again.ExitCode);
        Assert.True(updated.ExitCode == 0, updated.ToString());
        Assert.Contains($"  location      {location}\n", shown.Out, StringComparison.Ordinal);
        Assert.Contains("  build         make\n  test          make test\n  lint          make lint\n", shown.Out, StringComparison.Ordinal);
        Assert.Contains("  stage timeout 5m\n  max attempts  3\n", shown.Out, StringComparison.Ordinal);
        using (var document = JsonDocument.Parse(Assert.Single(listed.Out.TrimEnd('\n').Split('\n'))))
        {
            Assert.Contains(document.RootElement.GetProperty("repositories").EnumerateArray(), r => r.GetProperty("name").GetString() == "calc-a");
        }

        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Equal(ExitCodes.NotFound, gone.ExitCode);
    }

    [Fact]
    public async Task Task_PendingThenCancelledThenDeleted_ShowsEachStep()
    {
        Assert.Equal(0, (await system.RunAsync("repo", "add", "calc-b", await SampleAsync("calc-b"))).ExitCode);

        var created = await system.RunAsync(
            "task", "create", "--repo", "calc-b", "--title", "Pending work", "--no-enqueue", "--priority", "1",
            "--label", "x", "--label", "y", "--timeout", "5m", "--json");
        using var json = JsonDocument.Parse(created.Out);
        var id = json.RootElement.GetProperty("id").GetString()!;
        var shown = await system.RunAsync("task", "show", id);
        var listed = await system.RunAsync("task", "list", "--status", "pending", "--repo", "calc-b");
        var patch = await system.RunAsync("task", "patch", id);
        var cancelled = await system.RunAsync("task", "cancel", id, "--reason", "not needed");
        var cancelledAgain = await system.RunAsync("task", "cancel", id);
        var events = await system.RunAsync("task", "events", id);
        var watched = await system.RunAsync("task", "watch", id);
        var deleted = await system.RunAsync("task", "delete", id);
        var gone = await system.RunAsync("task", "show", id);

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal("TASK_STATUS_PENDING", json.RootElement.GetProperty("status").GetString());
        Assert.Contains("  status        pending", shown.Out, StringComparison.Ordinal);
        Assert.Contains("  priority      1\n", shown.Out, StringComparison.Ordinal);
        Assert.Contains("  timeout       5m per attempt\n", shown.Out, StringComparison.Ordinal);
        Assert.Contains("  labels        x, y\n", shown.Out, StringComparison.Ordinal);
        Assert.Contains("No attempts yet.\n", shown.Out, StringComparison.Ordinal);
        Assert.Contains($"{id}  ", listed.Out, StringComparison.Ordinal);
        Assert.Contains("  Pending work\n", listed.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Rejected, patch.ExitCode);
        Assert.Equal($"Cancelled task {id} (cancelled): Pending work\n", cancelled.Out);
        Assert.Equal(ExitCodes.Rejected, cancelledAgain.ExitCode);
        Assert.Contains("created    \"Pending work\" in calc-b\n", events.Out, StringComparison.Ordinal);
        Assert.Contains("status     pending → cancelled (not needed)\n", events.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.TaskUnsuccessful, watched.ExitCode);
        Assert.EndsWith($"Task {id} cancelled: not needed\n", watched.Out, StringComparison.Ordinal);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Equal(ExitCodes.NotFound, gone.ExitCode);
    }

    [Fact]
    public async Task TaskCreate_NoEnqueueChoice_StaysPendingAndSaysHowToQueueIt()
    {
        Assert.Equal(0, (await system.RunAsync("repo", "add", "calc-e", await SampleAsync("calc-e"))).ExitCode);

        // One attempt: the demo agent changes nothing for this title, so the task fails at once instead of retrying.
        var created = await system.RunAsync("task", "create", "--repo", "calc-e", "--title", "Later", "--max-attempts", "1");
        var id = Regex.Match(created.Out, @"^Created task (\d+) \(pending\): Later\n").Groups[1].Value;
        var queued = await system.RunAsync("task", "enqueue", id);
        var queuedAgain = await system.RunAsync("task", "enqueue", id);
        // The queued task runs in the class's shared system: let it end here, or its events reach the next test's followers.
        var watched = await system.RunAsync("task", "watch", id);

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains($"`devserver task enqueue {id}` queues it", created.Out, StringComparison.Ordinal);
        Assert.True(queued.ExitCode == 0, queued.ToString());
        Assert.StartsWith($"Queued task {id} (queued): Later\n", queued.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Rejected, queuedAgain.ExitCode);
        Assert.True(watched.ExitCode == ExitCodes.TaskUnsuccessful, watched.ToString());
    }

    [Fact]
    public async Task TaskCreate_UnknownRepository_ExitsNotFound()
    {
        var result = await system.RunAsync("task", "create", "--repo", "no-such-repository", "--title", "Anything");

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.StartsWith("devserver: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskCreate_AgentChangesNothing_WatchEndsFailedWithExitOne()
    {
        Assert.Equal(0, (await system.RunAsync("repo", "add", "calc-c", await SampleAsync("calc-c"))).ExitCode);

        var result = await system.RunAsync("task", "create", "--repo", "calc-c", "--title", "Nothing to do", "--max-attempts", "1", "--watch");

        Assert.True(result.ExitCode == ExitCodes.TaskUnsuccessful, result.ToString());
        Assert.Contains("  #1  attempt    agent script on ", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"\nTask \d+ failed", result.Out);
    }

    [Fact]
    public async Task Queue_PauseConcurrencyResume_ChangesTheState()
    {
        var paused = await system.RunAsync("queue", "pause");
        var limited = await system.RunAsync("queue", "concurrency", "3");
        var resumed = await system.RunAsync("queue", "resume");
        var shown = await system.RunAsync("queue", "--json");

        Assert.StartsWith("Queue: paused, concurrency ", paused.Out, StringComparison.Ordinal);
        Assert.StartsWith("Queue: paused, concurrency 3, ", limited.Out, StringComparison.Ordinal);
        Assert.StartsWith("Queue: dispatching, concurrency 3, ", resumed.Out, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(shown.Out);
        Assert.False(json.RootElement.GetProperty("paused").GetBoolean());
        Assert.Equal(3, json.RootElement.GetProperty("maxConcurrency").GetInt32());
    }

    [Fact]
    public async Task Events_FollowingAllTasks_PrintsNewEventsUntilInterrupted()
    {
        Assert.Equal(0, (await system.RunAsync("repo", "add", "calc-d", await SampleAsync("calc-d"))).ExitCode);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var follow = CliRun.Start(["events", "--server", system.Server, "--data", system.DataDirectory], TestCli.Host(), stop.Token);
        var taskFollow = default(CliRun);

        // Only new events are printed: keep creating tasks until the follower has subscribed and shows one.
        string? id = null;
        for (var i = 0; i < 50 && !follow.Out.ToString().Contains("created ", StringComparison.Ordinal); i++)
        {
            using var created = JsonDocument.Parse((await system.RunAsync("task", "create", "--repo", "calc-d", "--title", "Followed", "--no-enqueue", "--json")).Out);
            id = created.RootElement.GetProperty("id").GetString()!;
            taskFollow ??= CliRun.Start(["task", "events", id, "--follow", "--server", system.Server, "--data", system.DataDirectory], TestCli.Host(), stop.Token);
            await Task.Delay(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        }

        await follow.Out.WaitForAsync("created    \"Followed\" in calc-d", TimeSpan.FromSeconds(30), follow.Exit);
        await taskFollow!.Out.WaitForAsync("created    \"Followed\" in calc-d", TimeSpan.FromSeconds(30), taskFollow.Exit);
        await stop.CancelAsync();
        var all = await follow.ResultAsync(TimeSpan.FromSeconds(30));
        var one = await taskFollow.ResultAsync(TimeSpan.FromSeconds(30));

        Assert.True(all.ExitCode == 0, all.ToString());
        Assert.Matches(@"^task \d+ +\d\d:\d\d:\d\d      created    ""Followed"" in calc-d$", all.Out.Split('\n')[0]);
        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Matches(@"^\d\d:\d\d:\d\d      created    ""Followed"" in calc-d$", one.Out.Split('\n')[0]);
        Assert.Equal("", all.Error + one.Error);
    }

    private async Task<string> SampleAsync(string name) =>
        await DemoFiles.CreateRepositoryAsync(Path.Combine(system.DataDirectory, "samples", name), TestContext.Current.CancellationToken);
}
