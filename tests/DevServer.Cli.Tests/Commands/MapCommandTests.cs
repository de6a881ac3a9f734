using System.Text.Json;
using DevServer.Cli.Tests.Infrastructure;

namespace DevServer.Cli.Tests.Commands;

/// <summary><c>devserver map</c> and <c>devserver detect</c> on folders written by the test; never a server.</summary>
public sealed class MapCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("devserver-map-").FullName;

    public MapCommandTests()
    {
        Write("app.py", "class App:\n    def run(self):\n        pass\n\ndef main():\n    pass\n");
        Write("lib/util.py", "def helper():\n    pass\n");
        Write("node_modules/dep/index.js", "function vendored() {}\n");
        Write("package.json", """{"scripts":{"test":"vitest run","lint":"eslint ."}}""");
        Write("package-lock.json", "{}");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Map_Text_PrintsRankedEntriesWithoutVendoredFiles()
    {
        var result = await TestCli.RunAsync(["map", _root]);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("REPO MAP (", result.Out, StringComparison.Ordinal);
        Assert.Contains("  app.py: class App:1, method run:2, fn main:5\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("  lib/util.py: fn helper:1\n", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("vendored", result.Out, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task Map_Budget_KeepsTheTextWithinIt()
    {
        var result = await TestCli.RunAsync(["map", _root, "--budget", "150"]);

        Assert.Equal(0, result.ExitCode);
        Assert.True(result.Out.Length <= 150, result.ToString());
        Assert.Contains("more files not shown (map budget)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_Json_PrintsOneObjectPerFileWithSymbols()
    {
        var result = await TestCli.RunAsync(["map", _root, "--json"]);

        Assert.Equal(0, result.ExitCode);
        var files = result.Out.TrimEnd('\n').Split('\n').Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var app = files.Single(f => f.GetProperty("path").GetString() == "app.py");
        Assert.Equal("python", app.GetProperty("language").GetString());
        Assert.Equal(
            ["class App 1", "method run 2", "function main 5"],
            app.GetProperty("symbols").EnumerateArray().Select(s => $"{s.GetProperty("kind").GetString()} {s.GetProperty("name").GetString()} {s.GetProperty("line").GetInt32()}"));
    }

    [Fact]
    public async Task Map_MissingFolder_ExitsNotFound()
    {
        var result = await TestCli.RunAsync(["map", Path.Combine(_root, "missing")]);

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.StartsWith("devserver: no folder at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_BudgetOutOfRange_IsAUsageError()
    {
        var result = await TestCli.RunAsync(["map", _root, "--budget", "5"]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--budget", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detect_Text_PrintsEveryStageWithItsReason()
    {
        var result = await TestCli.RunAsync(["detect", _root]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "pre    npm ci        (detected: package-lock.json)\n" +
            "build  -             (skipped: not set, and nothing detected)\n" +
            "test   npm test      (detected: package.json script \"test\")\n" +
            "lint   npm run lint  (detected: package.json script \"lint\")\n",
            result.Out);
    }

    [Fact]
    public async Task Detect_JsonWithSettings_SaysWhichStagesCameFromSettings()
    {
        var result = await TestCli.RunAsync(["detect", _root, "--json", "--test", "make check", "--lint", ""]);

        Assert.Equal(0, result.ExitCode);
        var stages = result.Out.TrimEnd('\n').Split('\n').Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(["pre", "build", "test", "lint"], stages.Select(s => s.GetProperty("stage").GetString()));
        Assert.Equal("make check", stages[2].GetProperty("command").GetString());
        Assert.Equal("settings", stages[2].GetProperty("origin").GetString());
        Assert.Equal(JsonValueKind.Null, stages[3].GetProperty("command").ValueKind);
        Assert.Equal("settings", stages[3].GetProperty("origin").GetString());
        Assert.Equal("detected", stages[0].GetProperty("origin").GetString());
        Assert.Equal("none", stages[1].GetProperty("origin").GetString());
    }

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
