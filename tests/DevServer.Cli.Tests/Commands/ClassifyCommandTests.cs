using System.Text;
using System.Text.Json;
using DevServer.Cli.Tests.Infrastructure;

namespace DevServer.Cli.Tests.Commands;

/// <summary><c>devserver classify</c>: a file, standard input, --json, --list, no failure, a missing file; never a server.</summary>
public sealed class ClassifyCommandTests
{
    private static readonly string Examples = Path.Combine(AppContext.BaseDirectory, "FailureExamples");

    [Fact]
    public async Task Classify_File_PrintsKeySeverityHintAndEvidence()
    {
        var result = await TestCli.RunAsync(["classify", Path.Combine(Examples, "python.import.txt")]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            "key       python.import\n" +
            "severity  recoverable\n" +
            "hint      ModuleNotFoundError: No module named 'billing' — add the dependency 'billing' to the project's requirements, or fix the import in /tmp/example/py-import/app/main.py:3.\n" +
            "evidence  File \"/tmp/example/py-import/app/main.py\", line 3, in <module>\n" +
            "          ModuleNotFoundError: No module named 'billing'\n",
            result.Out);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task Classify_Json_PrintsOneObjectWithKeySeverityHintAndEvidence()
    {
        var result = await TestCli.RunAsync(["classify", Path.Combine(Examples, "git.auth.txt"), "--json"]);

        Assert.Equal(0, result.ExitCode);
        var line = Assert.Single(result.Out.TrimEnd('\n').Split('\n'));
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        Assert.Equal(["key", "severity", "hint", "evidence"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("git.auth", root.GetProperty("key").GetString());
        Assert.Equal("hard", root.GetProperty("severity").GetString());
        Assert.Contains("/team/calc.git", root.GetProperty("hint").GetString(), StringComparison.Ordinal);
        var evidence = Assert.Single(root.GetProperty("evidence").EnumerateArray());
        Assert.StartsWith("fatal: Authentication failed for 'http://127.0.0.1:", evidence.GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-")]
    [InlineData(null)]
    public async Task Classify_StandardInput_ReadsTheOutputFromIt(string? argument)
    {
        var input = await File.ReadAllBytesAsync(Path.Combine(Examples, "rust.compile.txt"), TestContext.Current.CancellationToken);
        var host = TestCli.Host() with { OpenStandardInput = () => new MemoryStream(input) };
        string[] args = argument is null ? ["classify", "--json"] : ["classify", argument, "--json"];

        var result = await CliRun.Start(args, host, TestContext.Current.CancellationToken).ResultAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """{"key":"rust.compile","severity":"recoverable","hint":"rustc E0425 in src/main.rs:3:26: cannot find value `tax` in this scope. Fix this error first (`rustc --explain E0425` describes it).","evidence":["error[E0425]: cannot find value `tax` in this scope","--> src/main.rs:3:26"]}""" + "\n",
            result.Out);
    }

    [Fact]
    public async Task Classify_CleanOutput_PrintsNone()
    {
        var host = TestCli.Host() with { OpenStandardInput = () => new MemoryStream(Encoding.UTF8.GetBytes("Build succeeded.\n    0 Warning(s)\n    0 Error(s)\n")) };

        var text = await CliRun.Start(["classify", "-"], host, TestContext.Current.CancellationToken).ResultAsync(TimeSpan.FromSeconds(60));
        var json = await CliRun.Start(["classify", Path.Combine(Examples, "none--dotnet.txt"), "--json"], TestCli.Host(), TestContext.Current.CancellationToken)
            .ResultAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, text.ExitCode);
        Assert.Equal("key       none\nhint      no known failure in the output\n", text.Out);
        Assert.Equal("""{"key":"none","severity":"recoverable","hint":"","evidence":[]}""" + "\n", json.Out);
    }

    [Fact]
    public async Task Classify_MissingFile_ExitsNotFoundWithOneLine()
    {
        var result = await TestCli.RunAsync(["classify", Path.Combine(Examples, "no-such-output.txt")]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Equal($"devserver: cannot read {Path.Combine(Examples, "no-such-output.txt")}: no such file\n", result.Error);
    }

    [Fact]
    public async Task Classify_List_PrintsEveryClassWithItsSeverity()
    {
        var result = await TestCli.RunAsync(["classify", "--list", "--json"]);

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.TrimEnd('\n').Split('\n');
        Assert.Equal(DevServer.Failures.FailureClassifier.Classes.Count, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("vendor.auth", first.RootElement.GetProperty("key").GetString());
        Assert.Equal("hard", first.RootElement.GetProperty("severity").GetString());
    }

    [Fact]
    public async Task Classify_NoServerAnywhere_NeverConnects()
    {
        var connections = 0;
        var host = TestCli.Host(connect: settings =>
        {
            connections++;
            throw new InvalidOperationException("classify must not connect");
        });

        var result = await CliRun.Start(["classify", Path.Combine(Examples, "go.test.txt"), "--server", "http://127.0.0.1:1"], host, TestContext.Current.CancellationToken)
            .ResultAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("key       go.test\n", result.Out, StringComparison.Ordinal);
        Assert.Equal(0, connections);
    }
}
