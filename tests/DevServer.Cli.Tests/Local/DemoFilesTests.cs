using DevServer.Cli.Local;
using DevServer.Testing;

namespace DevServer.Cli.Tests.Local;

/// <summary>The demo's embedded project and agent, run with the real git and python3 and the repository's own check commands.</summary>
public sealed class DemoFilesTests : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root = Directory.CreateTempSubdirectory("devserver-demo-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task CreateRepository_Sample_IsOneCleanCommitOnMain()
    {
        var repository = await DemoFiles.CreateRepositoryAsync(Path.Combine(_root, "calc"), TestContext.Current.CancellationToken);

        Assert.Equal("main\n", (await GitAsync(repository, "branch", "--show-current")).StandardOutput);
        Assert.Equal("calc: add and subtract\n", (await GitAsync(repository, "log", "--format=%s")).StandardOutput);
        Assert.Equal(
            ".gitignore\nREADME.md\ncalc.py\ntest_calc.py\ntools/lint.py\n",
            (await GitAsync(repository, "ls-files")).StandardOutput);
        Assert.Equal("", (await GitAsync(repository, "status", "--porcelain")).StandardOutput);
    }

    [Fact]
    public async Task CreateRepository_ExistingDirectory_Refuses()
    {
        var error = await Assert.ThrowsAsync<CliException>(() => DemoFiles.CreateRepositoryAsync(_root, TestContext.Current.CancellationToken));

        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoAgent_InTheSample_MakesTheFailingTestsPassAndCommits()
    {
        var repository = await DemoFiles.CreateRepositoryAsync(Path.Combine(_root, "calc"), TestContext.Current.CancellationToken);
        var agent = await DemoFiles.WriteAgentAsync(Path.Combine(_root, "agents"), TestContext.Current.CancellationToken);

        var before = await ShellAsync(repository, DemoFiles.TestCommand);
        var run = await ShellAsync(repository, agent, new Dictionary<string, string> { ["DEVSERVER_TASK_ID"] = "7", ["DEVSERVER_TASK_TITLE"] = "Implement calc.multiply" });
        var build = await ShellAsync(repository, DemoFiles.BuildCommand);
        var after = await ShellAsync(repository, DemoFiles.TestCommand);
        var lint = await ShellAsync(repository, DemoFiles.LintCommand);

        Assert.Equal(1, before.ExitCode);
        Assert.Contains("test_multiply", before.StandardError, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("demo agent: task 7: Implement calc.multiply\n", run.StandardOutput, StringComparison.Ordinal);
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.True(lint.ExitCode == 0, lint.ToString());
        Assert.Equal("lint: 3 files, 0 problems\n", lint.StandardOutput);
        Assert.Equal("calc: add multiply\ncalc: add and subtract\n", (await GitAsync(repository, "log", "--format=%s")).StandardOutput);
        Assert.Equal("", (await GitAsync(repository, "status", "--porcelain")).StandardOutput);
    }

    [Fact]
    public async Task DemoAgent_OutsideTheSample_FailsSayingWhy()
    {
        var agent = await DemoFiles.WriteAgentAsync(Path.Combine(_root, "agents"), TestContext.Current.CancellationToken);
        Directory.CreateDirectory(Path.Combine(_root, "elsewhere"));

        var run = await ShellAsync(Path.Combine(_root, "elsewhere"), agent);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no calc.py", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LintCommand_ProblemInTheCode_Fails()
    {
        var repository = await DemoFiles.CreateRepositoryAsync(Path.Combine(_root, "calc"), TestContext.Current.CancellationToken);
        await File.AppendAllTextAsync(Path.Combine(repository, "calc.py"), "\n\ndef divide(a, b):\n    return a / b\n", TestContext.Current.CancellationToken);

        var lint = await ShellAsync(repository, DemoFiles.LintCommand);

        Assert.Equal(1, lint.ExitCode);
        Assert.Contains("calc.py:14: divide has no docstring", lint.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/var/lib/devserver/agents/demo-agent.py", "/var/lib/devserver/agents/demo-agent.py")]
    [InlineData("/tmp/my data/agent.py", "'/tmp/my data/agent.py'")]
    [InlineData("it's", "'it'\\''s'")]
    public void ShellQuote_Word_QuotesOnlyWhenNeeded(string word, string expected)
    {
        Assert.Equal(expected, DemoFiles.ShellQuote(word));
    }

    private static Task<ProcessResult> ShellAsync(string directory, string command, IReadOnlyDictionary<string, string>? environment = null) =>
        ChildProcess.RunAsync("/bin/sh", ["-c", command], directory, CommandTimeout, TestContext.Current.CancellationToken, environment);

    private static Task<ProcessResult> GitAsync(string directory, params string[] arguments) =>
        ChildProcess.RunAsync("git", arguments, directory, CommandTimeout, TestContext.Current.CancellationToken);
}
