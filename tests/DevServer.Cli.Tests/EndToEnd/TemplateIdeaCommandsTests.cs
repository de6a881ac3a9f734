using System.Text.Json;
using System.Text.RegularExpressions;
using DevServer.Cli.Local;

namespace DevServer.Cli.Tests.EndToEnd;

/// <summary>The template and idea commands, and task create --template, against the real orchestrator started by `devserver up`.</summary>
public sealed class TemplateIdeaCommandsTests(RunningSystem system) : IClassFixture<RunningSystem>
{
    [Fact]
    public async Task Template_AddShowListUseRemove_RoundTrips()
    {
        Assert.Equal(0, (await system.RunAsync("repo", "add", "tpl-a", await SampleAsync("tpl-a"))).ExitCode);

        var added = await system.RunAsync(
            "template", "add", "bugfix", "--repo", "tpl-a", "--priority", "1", "--label", "bug", "--description", "Fix the reported bug.",
            "--skip-verification", "--max-turns", "30");
        var again = await system.RunAsync("template", "add", "bugfix");
        var invalid = await system.RunAsync("template", "add", "broken", "--vendor", "Not-A-Vendor");
        var listed = await system.RunAsync("template", "list");
        var shown = await system.RunAsync("template", "show", "bugfix");
        var created = await system.RunAsync("task", "create", "--template", "bugfix", "--title", "From the template", "--no-enqueue", "--json");
        var overridden = await system.RunAsync("task", "create", "--template", "bugfix", "--title", "Mine", "--priority", "4", "--no-enqueue", "--json");
        var removed = await system.RunAsync("template", "rm", "bugfix");
        var gone = await system.RunAsync("template", "show", "bugfix");
        var unknown = await system.RunAsync("task", "create", "--template", "bugfix", "--title", "No preset", "--no-enqueue");

        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Matches(@"^Added template bugfix \(id \d+\)\.\n$", added.Out);
        Assert.Equal(ExitCodes.Rejected, again.ExitCode);
        Assert.Contains("already exists", again.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Rejected, invalid.ExitCode);
        Assert.StartsWith("devserver: vendor must be", invalid.Error, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^bugfix +\d+ +tpl-a +- +1 +bug$", listed.Out);
        Assert.Contains("  repository    tpl-a\n  priority      1\n", shown.Out, StringComparison.Ordinal);
        Assert.Contains("  turns         at most 30 per attempt\n", shown.Out, StringComparison.Ordinal);
        Assert.Contains("Description:\n  Fix the reported bug.\n", shown.Out, StringComparison.Ordinal);
        Assert.True(created.ExitCode == 0, created.ToString());
        using (var task = JsonDocument.Parse(created.Out))
        {
            var root = task.RootElement;
            Assert.Equal(("tpl-a", 1, "Fix the reported bug."), (root.GetProperty("repository").GetString(), root.GetProperty("priority").GetInt32(), root.GetProperty("description").GetString()));
            Assert.True(root.GetProperty("skipVerification").GetBoolean());
            Assert.Equal("bug", Assert.Single(root.GetProperty("labels").EnumerateArray()).GetString());
            Assert.Equal("TASK_STATUS_PENDING", root.GetProperty("status").GetString());
        }

        using (var task = JsonDocument.Parse(overridden.Out))
        {
            Assert.Equal(4, task.RootElement.GetProperty("priority").GetInt32());
        }

        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Matches(@"^Removed template bugfix \(id \d+\)\.\n$", removed.Out);
        Assert.Equal(ExitCodes.NotFound, gone.ExitCode);
        Assert.Equal(ExitCodes.NotFound, unknown.ExitCode);
        Assert.Equal("devserver: Template 'bugfix' does not exist.\n", unknown.Error);
    }

    [Fact]
    public async Task Idea_AddListShowTaskRemove_RoundTrips()
    {
        Assert.Equal(0, (await system.RunAsync("repo", "add", "idea-a", await SampleAsync("idea-a"))).ExitCode);
        var contentFile = Path.Combine(system.DataDirectory, "dark-mode.md");
        await File.WriteAllTextAsync(contentFile, "Follow the **system** setting.\n", TestContext.Current.CancellationToken);

        var folder = await system.RunAsync("idea", "add", "--folder", "Roadmap");
        var folderId = Regex.Match(folder.Out, @"^Added folder (\d+): Roadmap\n$").Groups[1].Value;
        var idea = await system.RunAsync("idea", "add", "--parent", folderId, "Dark mode", "--content-file", contentFile);
        var ideaId = Regex.Match(idea.Out, @"^Added idea (\d+): Dark mode\n$").Groups[1].Value;
        var intoIdea = await system.RunAsync("idea", "add", "--parent", ideaId, "Nested under an idea");
        var shown = await system.RunAsync("idea", "show", ideaId);
        var converted = await system.RunAsync("idea", "task", ideaId, "--repo", "idea-a", "--no-enqueue");
        var taskId = Regex.Match(converted.Out, @"^Created task (\d+) \(pending\): Dark mode from idea \d+\n$").Groups[1].Value;
        var twice = await system.RunAsync("idea", "task", ideaId, "--repo", "idea-a", "--no-enqueue");
        var listed = await system.RunAsync("idea", "list");
        var task = await system.RunAsync("task", "show", taskId);
        var removed = await system.RunAsync("idea", "rm", folderId);
        var gone = await system.RunAsync("idea", "show", ideaId);
        var taskAfter = await system.RunAsync("task", "show", taskId);

        Assert.True(folder.ExitCode == 0 && folderId.Length > 0, folder.ToString());
        Assert.True(idea.ExitCode == 0 && ideaId.Length > 0, idea.ToString());
        Assert.Equal(ExitCodes.Rejected, intoIdea.ExitCode);
        Assert.Contains("not a folder", intoIdea.Error, StringComparison.Ordinal);
        Assert.StartsWith($"Idea {ideaId}: Dark mode\n  folder        {folderId}\n", shown.Out, StringComparison.Ordinal);
        Assert.EndsWith("Content:\n  Follow the **system** setting.\n", shown.Out, StringComparison.Ordinal);
        Assert.True(taskId.Length > 0, converted.ToString());
        Assert.Equal(ExitCodes.Rejected, twice.ExitCode);
        Assert.Contains($"already became task {taskId}", twice.Error, StringComparison.Ordinal);
        Assert.StartsWith("ID  ", listed.Out, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^{folderId} +- +Roadmap/\n{ideaId} +{taskId} +  Dark mode$", listed.Out);
        Assert.Contains("Follow the **system** setting.", task.Out, StringComparison.Ordinal);
        Assert.Equal($"Deleted folder {folderId} and the 1 entries in it.\n", removed.Out);
        Assert.Equal(ExitCodes.NotFound, gone.ExitCode);
        Assert.Equal(0, taskAfter.ExitCode);
    }

    private async Task<string> SampleAsync(string name) =>
        await DemoFiles.CreateRepositoryAsync(Path.Combine(system.DataDirectory, "samples", name), TestContext.Current.CancellationToken);
}
