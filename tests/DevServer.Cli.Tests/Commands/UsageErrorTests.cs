using System.Net;
using System.Net.Sockets;
using DevServer.Cli.Connection;
using DevServer.Cli.Tests.Infrastructure;

namespace DevServer.Cli.Tests.Commands;

public sealed class UsageErrorTests
{
    public static TheoryData<string, string> BadCommandLines => new()
    {
        { "task create --repo r --title t --priority 7", "--priority must be a number between 1 and 4 (got '7')" },
        { "task create --repo r --title t --priority 0", "--priority must be a number between 1 and 4 (got '0')" },
        { "task create --repo r --title t --priority high", "--priority must be a number between 1 and 4 (got 'high')" },
        { "task create --repo r --title t --max-attempts 11", "--max-attempts must be a number between 1 and 10" },
        { "task create --repo r --title t --timeout 10", "--timeout '10' is not a duration" },
        { "task create --repo r --title t --description a --description-file b", "Give --description or --description-file, not both." },
        { "task create --repo r --title t --no-enqueue --watch", "cannot be combined with --no-enqueue" },
        { "task create --repo r --title t --enqueue --no-enqueue", "Give --enqueue or --no-enqueue, not both." },
        { "idea add t --folder --content x", "A folder has no content" },
        { "idea show 0", "the idea id must be a number of at least 1" },
        { "task show abc", "the task id must be a number of at least 1 (got 'abc')" },
        { "task show 0", "the task id must be a number of at least 1 (got '0')" },
        { "task list --status nope", "'nope'" },
        { "task list --limit 500", "--limit must be a number between 1 and 200" },
        { "repo add calc . --stage-timeout 5x", "--stage-timeout '5x' is not a duration" },
        { "queue concurrency 11", "the concurrency limit must be a number between 1 and 10 (got '11')" },
        { "up --grpc-port 70000", "--grpc-port must be a number between 0 and 65535" },
        { "frobnicate", "frobnicate" },
        { "", "Required command was not provided." },
    };

    [Theory]
    [MemberData(nameof(BadCommandLines))]
    public async Task RunAsync_BadCommandLine_ExitsWithUsageWithoutContactingTheServer(string commandLine, string expected)
    {
        // A real listener stands where the server would be: a usage error must not even open a connection.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        var connections = 0;

        var result = await TestCli.RunAsync(
            [.. commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--server", server],
            connect: settings =>
            {
                connections++;
                return OrchestratorConnection.Open(settings);
            });

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.StartsWith("devserver: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Equal(0, connections);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task RunAsync_ServerWithoutHttpScheme_ExitsWithUsage()
    {
        var result = await TestCli.RunAsync(["task", "list", "--server", "ftp://example.org"]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal("devserver: --server 'ftp://example.org' is not an http:// or https:// address.\n", result.Error);
    }

    [Fact]
    public async Task RunAsync_DescriptionFileMissing_ExitsWithUsage()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "description.md");

        var result = await TestCli.RunAsync(["task", "create", "--repo", "r", "--title", "t", "--description-file", missing, "--server", "http://127.0.0.1:1"]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith($"devserver: cannot read --description-file {missing}:", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("task --help")]
    [InlineData("task create --help")]
    [InlineData("repo add -h")]
    public async Task RunAsync_Help_PrintsUsageAndSucceeds(string commandLine)
    {
        var result = await TestCli.RunAsync(commandLine.Split(' '));

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("Usage:", result.Out, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task RunAsync_NothingListening_ExitsUnreachableWithOneLine()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = await TestCli.RunAsync(["task", "list", "--server", $"http://127.0.0.1:{port}"]);

        Assert.Equal(ExitCodes.Unreachable, result.ExitCode);
        Assert.StartsWith($"devserver: cannot reach the orchestrator at http://127.0.0.1:{port}:", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }
}
