using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Contracts;
using DevServer.Processes;
using DevServer.Testing;

namespace DevServer.Cli.Tests.EndToEnd;

/// <summary>
/// `devserver demo` and `devserver up` with the real programs (built before the tests): the orchestrator on its
/// embedded PostgreSQL, the script sidecar and the verifier, as child processes of the CLI.
/// </summary>
public sealed partial class LocalSystemTests : IDisposable
{
    /// <summary>Start-up includes creating a database cluster; on a busy 2-core machine that can take a while.</summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(4);

    private readonly string _root = RunningSystem.CreateRoot();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Demo_FreshDataDirectory_DeliversAVerifiedPatchAndExitsZero()
    {
        var data = Path.Combine(_root, "data");

        var result = await CliRun.Start(["demo", "--data", data], TestCli.Host(RunningSystem.Programs()), TestContext.Current.CancellationToken).ResultAsync(RunTimeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Workers connected: ", result.Out, StringComparison.Ordinal);
        Assert.Contains("Created task 1 (queued): Implement calc.multiply\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("  #1      agent | demo agent: committed: calc: add multiply\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("  #1  stage      test passed in ", result.Out, StringComparison.Ordinal);
        Assert.Contains("  #1  stage      lint passed in ", result.Out, StringComparison.Ordinal);
        Assert.Contains("\nTask 1 done", result.Out, StringComparison.Ordinal);
        Assert.Contains("Subject: [PATCH] calc: add multiply\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("+def multiply(a, b):\n", result.Out, StringComparison.Ordinal);
        Assert.Contains("--- the history of task 1", result.Out, StringComparison.Ordinal);
        Assert.Contains("  #1  status     verifying → delivering", result.Out, StringComparison.Ordinal);
        Assert.Contains("  #1  status     delivering → done", result.Out, StringComparison.Ordinal);
        Assert.EndsWith("Stopping the orchestrator…\n", result.Out, StringComparison.Ordinal);
        Assert.Equal("", result.Error);
        Assert.True(File.Exists(Path.Combine(data, "admin.token")));
    }

    [Fact]
    public async Task Demo_Sandboxed_EveryStageRunsInBubblewrapWithoutNetworkAndTheTaskIsDone()
    {
        var result = await CliRun.Start(
                ["demo", "--data", Path.Combine(_root, "data"), "--sandbox", "--sandbox-network", "off"],
                TestCli.Host(RunningSystem.Programs()),
                TestContext.Current.CancellationToken)
            .ResultAsync(RunTimeout);

        Assert.True(result.ExitCode == 0, result.ToString());
        // Build, test and lint: each says where it ran (the verifier's line, before the stage's own output).
        Assert.Equal(3, SandboxLine().Count(result.Out));
        Assert.Contains("  #1  stage      test passed in ", result.Out, StringComparison.Ordinal);
        Assert.Contains("\nTask 1 done", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_SandboxWithoutBwrap_FailsWithTheVerifiersReasonInsteadOfAStackTrace()
    {
        // The real verifier, told to find bwrap where there is none (a later --Key=Value wins).
        var programs = RunningSystem.Programs();
        programs["DEVSERVER_VERIFIER"] = await WrapAsync("verifier-without-bwrap.sh", programs["DEVSERVER_VERIFIER"], "--Verifier:Sandbox:BwrapPath=/nonexistent/bwrap");

        var result = await CliRun.Start(["demo", "--data", Path.Combine(_root, "data"), "--sandbox"], TestCli.Host(programs), TestContext.Current.CancellationToken)
            .ResultAsync(RunTimeout);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.StartsWith("devserver: the verifier exited with code 1; the end of its log (", result.Error, StringComparison.Ordinal);
        Assert.EndsWith(
            "DevServer verifier cannot start: Verifier:Sandbox:Mode is Bubblewrap, but there is no bwrap program at '/nonexistent/bwrap': "
                + "install the package 'bubblewrap' (apt-get install bubblewrap) or set Verifier:Sandbox:BwrapPath, or set Verifier:Sandbox:Mode to None.\n",
            result.Error,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_SidecarDiesDuringTheTask_FailsNamingItInsteadOfWaiting()
    {
        // The real sidecar, whose agent kills it (a later --Key=Value wins over the CLI's --Script:Command).
        var programs = RunningSystem.Programs();
        programs["DEVSERVER_SCRIPT_SIDECAR"] = await WrapAsync("dying-sidecar.sh", programs["DEVSERVER_SCRIPT_SIDECAR"], "--Script:Command=kill -9 $PPID");

        var result = await CliRun.Start(["demo", "--data", Path.Combine(_root, "data")], TestCli.Host(programs), TestContext.Current.CancellationToken)
            .ResultAsync(RunTimeout);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.StartsWith("devserver: the script sidecar was ended by signal 9; the end of its log (", result.Error, StringComparison.Ordinal);
        Assert.EndsWith("Stopping the orchestrator…\n", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_RunningThenInterrupted_ServesTheApiAndStopsEverything()
    {
        var data = Path.Combine(_root, "data");
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var up = CliRun.Start(["up", "--data", data, "--grpc-port", "0", "--web-port", "0", "--script", "true"], TestCli.Host(RunningSystem.Programs()), interrupt.Token);

        await up.Out.WaitForAsync("DevServer is up", RunTimeout, up.Exit);
        var server = GrpcLine().Match(up.Out.ToString()).Groups["url"].Value;
        // Another CLI finds the token in the data directory.
        var workers = await TestCli.RunAsync(["workers", "--server", server, "--data", data]);
        var tasks = await TestCli.RunAsync(["task", "list", "--server", server, "--data", data]);
        var status = await TestCli.RunAsync(["status", "--server", server, "--data", data]);
        var statusJson = await TestCli.RunAsync(["status", "--json", "--server", server, "--data", data]);
        await interrupt.CancelAsync();
        var result = await up.ResultAsync(TimeSpan.FromSeconds(90));

        Assert.True(workers.ExitCode == 0, workers.ToString());
        Assert.Matches(@"-script\s+vendor\s+script\s+-\s+0/1\s+connected", workers.Out);
        Assert.Matches(@"-verifier\s+verifier\s+-\s+-\s+0/1\s+connected", workers.Out);
        Assert.Equal("No tasks.\n", tasks.Out);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(
            $"Orchestrator: {server}, serving\nDatabase: reachable\nQueue: dispatching, concurrency 2, 0 queued, 0 active\nWorkers: 2 connected (1 vendor, 1 verifier)\n",
            status.Out);
        Assert.True(statusJson.ExitCode == 0, statusJson.ToString());
        var jsonLines = statusJson.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, jsonLines.Length);
        using (var health = JsonDocument.Parse(jsonLines[0]))
        {
            Assert.Equal("SERVING", health.RootElement.GetProperty("server").GetString());
            Assert.Equal("SERVING", health.RootElement.GetProperty("database").GetString());
        }
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("  admin token   " + Path.Combine(data, "admin.token") + "\n", result.Out, StringComparison.Ordinal);
        Assert.EndsWith("Stopping script sidecar and verifier…\nStopping the orchestrator…\n", result.Out, StringComparison.Ordinal);
        var port = new Uri(server).Port;
        using var probe = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync("127.0.0.1", port, TestContext.Current.CancellationToken).AsTask());
        foreach (var log in new[] { "orchestrator.log", "script.log", "verifier.log" })
        {
            Assert.True(new FileInfo(Path.Combine(data, "logs", log)).Length > 0, log);
        }
    }

    [Fact]
    public async Task Up_OrchestratorKilled_ExitsNamingItAndStopsTheDatabaseItLeftRunning()
    {
        var data = Path.Combine(_root, "data");
        var up = CliRun.Start(["up", "--data", data, "--grpc-port", "0", "--web-port", "0", "--script", "true"], TestCli.Host(RunningSystem.Programs()), TestContext.Current.CancellationToken);
        await up.Out.WaitForAsync("DevServer is up", RunTimeout, up.Exit);
        var pidFile = Path.Combine(LocalInstallation.EmbeddedClusterDirectory(data), "postmaster.pid");
        var postgres = PostmasterPid.Read(pidFile) ?? throw new Xunit.Sdk.XunitException("The embedded PostgreSQL does not run.");

        // SIGKILL, as the OOM killer ends it: the orchestrator cannot stop its database, which runs detached from it.
        using (var orchestrator = Process.GetProcessById(OrchestratorOf(data)))
        {
            orchestrator.Kill();
        }

        var result = await up.ResultAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.StartsWith("devserver: the orchestrator was ended by signal 9; the end of its log (", result.Error, StringComparison.Ordinal);
        Assert.EndsWith("Stopping the orchestrator…\nStopping the embedded PostgreSQL the orchestrator left running…\n", result.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(pidFile), "The embedded PostgreSQL still runs.");
        Assert.False(ProcFs.IsRunning(postgres.Pid), $"The postmaster (pid {postgres.Pid}) still runs.");
    }

    /// <summary>The pid of the orchestrator the CLI started on <paramref name="data"/>, found by its command line.</summary>
    private static int OrchestratorOf(string data)
    {
        var setting = $"--Orchestrator:DataDirectory={data}";
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out var pid)
                && ReadCommandLine(folder) is { } arguments
                && arguments.Contains(setting)
                && arguments.Any(a => a.EndsWith("DevServer.Orchestrator.dll", StringComparison.Ordinal)))
            {
                return pid;
            }
        }

        throw new Xunit.Sdk.XunitException($"No orchestrator runs with {setting}.");
    }

    private static string[]? ReadCommandLine(string processFolder)
    {
        try
        {
            return File.ReadAllText(Path.Combine(processFolder, "cmdline")).Split('\0');
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // A script that runs a built program with the arguments it is given plus one more setting, which wins over theirs.
    private async Task<string> WrapAsync(string name, string program, string lastSetting)
    {
        var script = Path.Combine(_root, name);
        await File.WriteAllTextAsync(
            script, $"#!/bin/sh\nexec '{BuiltPrograms.Dotnet}' '{program}' \"$@\" '{lastSetting}'\n", TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return script;
    }

    [GeneratedRegex(@"  gRPC +(?<url>http://\S+)")]
    private static partial Regex GrpcLine();

    [GeneratedRegex(@"^\S+  #1     worker \| sandbox: bubblewrap \(network off\)$", RegexOptions.Multiline)]
    private static partial Regex SandboxLine();
}
