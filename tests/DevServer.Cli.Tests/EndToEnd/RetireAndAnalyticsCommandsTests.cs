using System.Text.Json;
using DevServer.Cli.Local;

namespace DevServer.Cli.Tests.EndToEnd;

/// <summary><c>analytics</c> and <c>task retire|unretire</c> against the real system started by `devserver up`.</summary>
public sealed class RetireAndAnalyticsCommandsTests(RunningSystem system) : IClassFixture<RunningSystem>
{
    [Fact]
    public async Task TaskFailsThenRetired_HiddenFromListsStillCountedThenBack()
    {
        var location = await DemoFiles.CreateRepositoryAsync(Path.Combine(system.DataDirectory, "samples", "calc-r"), TestContext.Current.CancellationToken);
        Assert.Equal(0, (await system.RunAsync("repo", "add", "calc-r", location)).ExitCode);
        // The script agent changes nothing, so the only attempt fails; --watch queues the task and follows it to the end.
        var watched = await system.RunAsync("task", "create", "--repo", "calc-r", "--title", "Nothing to do", "--max-attempts", "1", "--watch");
        string id;
        using (var json = JsonDocument.Parse((await system.RunAsync("task", "list", "--repo", "calc-r", "--json")).Out))
        {
            id = json.RootElement.GetProperty("tasks")[0].GetProperty("id").GetString()!;
        }

        var counted = await system.RunAsync("analytics", "--days", "1");
        var retired = await system.RunAsync("task", "retire", id);
        var hidden = await system.RunAsync("task", "list", "--repo", "calc-r");
        var included = await system.RunAsync("task", "list", "--repo", "calc-r", "--include-retired");
        var stillCounted = await system.RunAsync("analytics", "--days", "1");
        var back = await system.RunAsync("task", "unretire", id);
        var listed = await system.RunAsync("task", "list", "--repo", "calc-r");

        Assert.True(watched.ExitCode == ExitCodes.TaskUnsuccessful, watched.ToString());
        Assert.True(counted.ExitCode == 0, counted.ToString());
        Assert.StartsWith("Today, ", counted.Out, StringComparison.Ordinal);
        Assert.Contains("  completed     0\n  failed        1\n  success rate  0%\n", counted.Out, StringComparison.Ordinal);
        Assert.Contains("  attempts      1\n", counted.Out, StringComparison.Ordinal);
        Assert.Contains("\nVENDOR  COST   ATTEMPTS\nscript  $0.00  1\n", counted.Out, StringComparison.Ordinal);
        Assert.True(retired.ExitCode == 0, retired.ToString());
        Assert.Equal($"Retired task {id} (failed): Nothing to do\n", retired.Out);
        Assert.Equal("No tasks.\n", hidden.Out);
        Assert.Contains("Nothing to do", included.Out, StringComparison.Ordinal);
        Assert.Equal(counted.Out, stillCounted.Out);
        Assert.Equal($"Brought back task {id} (failed): Nothing to do\n", back.Out);
        Assert.Contains("Nothing to do", listed.Out, StringComparison.Ordinal);
    }
}
