using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Processes;
using DevServer.Testing;
using DevServer.Vendors.Core.Tests.Git;
using DevServer.Verifier.Sandbox;

namespace DevServer.Verifier.Tests.Sandbox;

/// <summary>
/// Verifications whose stages run in a real bubblewrap sandbox (the machine needs the package bubblewrap, which
/// <c>build.sh</c> installs): what a stage can see, write and reach, and that nothing it starts outlives it.
/// </summary>
public sealed class StageSandboxTests : IDisposable
{
    // A host folder outside /tmp and outside the workspace, for what a stage may or may not write.
    private readonly string _hostFolder = Directory.CreateDirectory(Path.Combine("/var/tmp", $"devserver-sandbox-test-{Guid.NewGuid():N}")).FullName;

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    public void Dispose() => TempFolder.Delete(_hostFolder);

    private static SandboxOptions Bubblewrap(bool network = true, string[]? readWrite = null, string[]? hidden = null, string[]? readOnly = null)
    {
        var options = new SandboxOptions { Mode = SandboxMode.Bubblewrap, Network = network };
        foreach (var path in readWrite ?? [])
        {
            options.ReadWritePaths.Add(path);
        }

        foreach (var path in readOnly ?? [])
        {
            options.ReadOnlyPaths.Add(path);
        }

        foreach (var path in hidden ?? [])
        {
            options.HiddenPaths.Add(path);
        }

        return options;
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_Sandboxed_StagePassesInItsCheckoutAtTheSamePathAndSaysSo()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap(network: false));

        var result = await scenario.RunAsync(
            scenario.Assignment(VerificationScenario.Stage(StageKind.Build, "pwd && cat feature.txt && echo built > out.txt && cat out.txt")),
            TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        var events = scenario.Reporter.Events;
        var started = events.ToList().FindIndex(e => e.StageStarted is not null);
        Assert.Equal(
            (OutputSource.Worker, StageKind.Build, "sandbox: bubblewrap (network off)"),
            (events[started + 1].OutputLine.Source, events[started + 1].OutputLine.Stage, events[started + 1].OutputLine.Text));
        Assert.Equal(
            [scenario.CheckoutPath, "made by the agent", "built"],
            events.Where(e => e.OutputLine?.Source == OutputSource.Verifier).Select(e => e.OutputLine.Text));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_Sandboxed_WritesOutsideTheCheckoutNeverReachTheHost()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap());
        var cache = Path.Combine(scenario.VerifierRoot, "cache", "sample.git");
        var inWorkspace = Path.Combine(scenario.VerifierRoot, "escaped.txt");
        var onHost = Path.Combine(_hostFolder, "escaped.txt");
        // Each write's outcome is printed; the stage itself passes, so no baseline check runs. First it tries to undo the
        // read-only view (as root, a remount would succeed with bwrap's default capabilities).
        var command = string.Join(
            "; ",
            "mount -o remount,rw / 2>/dev/null",
            $"touch {cache}/escaped.txt 2>/dev/null && echo cache written || echo cache refused",
            $"touch {onHost} 2>/dev/null && echo host written || echo host refused",
            $"touch {inWorkspace} 2>/dev/null; true");

        var result = await scenario.RunAsync(scenario.Assignment(VerificationScenario.Stage(StageKind.Test, command)), TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Equal(["cache refused", "host refused"], StageOutput(scenario.Reporter));
        Assert.False(File.Exists(Path.Combine(cache, "escaped.txt")));
        Assert.False(File.Exists(onHost));
        // The workspace is an empty tmpfs in the sandbox: a write there lands in it, and is gone with it.
        Assert.False(File.Exists(inWorkspace));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_Sandboxed_AnotherCheckoutOfTheWorkspaceAndHiddenPathsAreHidden()
    {
        var hidden = Directory.CreateDirectory(Path.Combine(_hostFolder, "hidden")).FullName;
        await File.WriteAllTextAsync(Path.Combine(hidden, "secret.txt"), "hidden\n", TestToken);
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap(hidden: [hidden]));
        var other = Directory.CreateDirectory(Path.Combine(scenario.VerifierRoot, "worktrees", "verify-8-1")).FullName;
        await File.WriteAllTextAsync(Path.Combine(other, "their-work.txt"), "another task's\n", TestToken);
        var command = $"for f in {other}/their-work.txt {hidden}/secret.txt; do if [ -e $f ]; then echo sees $f; else echo hidden; fi; done";

        var result = await scenario.RunAsync(scenario.Assignment(VerificationScenario.Stage(StageKind.Test, command)), TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Equal(["hidden", "hidden"], StageOutput(scenario.Reporter));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_Sandboxed_HomeIsFreshAndWritable()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap());
        var marker = $"devserver-sandbox-{Guid.NewGuid():N}";

        var result = await scenario.RunAsync(
            scenario.Assignment(VerificationScenario.Stage(
                StageKind.Test, $"echo \"$HOME\"; ls -A \"$HOME\" | wc -l; echo home > \"$HOME/{marker}\" && cat \"$HOME/{marker}\"")),
            TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        var home = Environment.GetEnvironmentVariable("HOME")!;
        Assert.Equal([home, "0", "home"], StageOutput(scenario.Reporter));
        Assert.False(File.Exists(Path.Combine(home, marker)));
    }

    [Theory(Timeout = 60_000)]
    [InlineData(true, "connected")]
    [InlineData(false, "refused")]
    public async Task RunAsync_Sandboxed_ReachesTheHostsLoopbackOnlyWithNetwork(bool network, string expected)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap(network));
        var connect = $"if bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}' 2>/dev/null; then echo connected; else echo refused; fi";

        var result = await scenario.RunAsync(scenario.Assignment(VerificationScenario.Stage(StageKind.Test, connect)), TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Equal([expected], StageOutput(scenario.Reporter));
        // The connection that succeeded was to this listener, not to some loopback of the sandbox's own.
        Assert.Equal(network, listener.Pending());
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_SandboxedStageTimesOut_ItsBackgroundChildIsGoneAndNeverWritesAgain()
    {
        var shared = Directory.CreateDirectory(Path.Combine(_hostFolder, "shared")).FullName;
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap(readWrite: [shared]));
        var tag = Guid.NewGuid().ToString("N");
        // Writes now (the read-write path reaches the host), starts a child that would write again in 3 s, and hangs.
        var command = $"echo now > {shared}/now.txt; (sleep 3; echo {tag} > {shared}/late.txt) >/dev/null 2>&1 & sleep 300";

        var result = await scenario.RunAsync(
            scenario.Assignment(VerificationScenario.Stage(StageKind.Test, command, TimeSpan.FromSeconds(2))), TestToken);

        Assert.True(result.TimedOut);
        Assert.Equal("now\n", await File.ReadAllTextAsync(Path.Combine(shared, "now.txt"), TestToken));
        Assert.Empty(ProcessesMentioning(tag));
        await Task.Delay(TimeSpan.FromSeconds(4), TestToken);
        Assert.False(File.Exists(Path.Combine(shared, "late.txt")));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("({0}) >/dev/null 2>&1 &")]
    // Its own session, and orphaned at once: out of reach of the process group and of the tree the runner kills; the
    // PID namespace still ends it.
    [InlineData("(setsid sh -c '{0}' >/dev/null 2>&1 &)")]
    public async Task RunAsync_SandboxedStageLeavesABackgroundProcess_ItIsGoneWhenTheStageEnds(string background)
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap());
        var tag = Guid.NewGuid().ToString("N");
        var command = string.Format(CultureInfo.InvariantCulture, background, $"sleep 300; echo {tag}") + "\nsleep 0.5; echo started";

        var result = await scenario.RunAsync(scenario.Assignment(VerificationScenario.Stage(StageKind.Test, command)), TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Equal(["started"], StageOutput(scenario.Reporter));
        Assert.Empty(ProcessesMentioning(tag));
    }

    [Fact(Timeout = 60_000)]
    public async Task SpecFor_StartedFromAThreadThatEndsWhileTheStageRuns_TheStageRunsToItsEnd()
    {
        var checkout = Directory.CreateDirectory(Path.Combine(_hostFolder, "checkout")).FullName;
        var sandbox = StageSandbox.Create(Bubblewrap(), Path.Combine(_hostFolder, "workspace"), []);
        var lines = new ConcurrentQueue<string>();
        using var started = new ManualResetEventSlim();
        RunningProcess? running = null;
        // Plays the thread-pool thread that starts a stage and retires while it runs: it starts bwrap, waits until the
        // stage is under way (bwrap has set up all it sets up before running the command), and ends. A parent-death
        // signal tied to it would kill the stage now.
        var starter = new Thread(() =>
        {
            running = ProcessRunner.Start(sandbox.SpecFor("echo started; sleep 2; echo finished", checkout), line =>
            {
                lines.Enqueue(line.Text);
                if (line.Text == "started")
                {
                    started.Set();
                }
            });
            started.Wait(TimeSpan.FromSeconds(20), TestToken);
        });
        starter.Start();
        starter.Join();
        Assert.True(started.IsSet);

        await using (running!)
        {
            var exit = await running!.WaitForExitAsync(TestToken);
            Assert.Equal(0, exit.ExitCode);
        }

        Assert.Equal(["started", "finished"], lines);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_ReadOnlyPathInTheHome_StageSeesItReadOnlyAndAReadWritePathInsideItStaysWritable()
    {
        // A toolchain installed in the verifier's home, which the fresh home would hide, with a cache inside it.
        var toolchain = Directory.CreateDirectory(
            Path.Combine(Environment.GetEnvironmentVariable("HOME")!, $".devserver-sandbox-toolchain-{Guid.NewGuid():N}")).FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(toolchain, "version.txt"), "toolchain 1.0\n", TestToken);
            var cache = Directory.CreateDirectory(Path.Combine(toolchain, "cache")).FullName;
            using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap(readWrite: [cache], readOnly: [toolchain]));
            var command = string.Join(
                "; ",
                $"cat {toolchain}/version.txt",
                $"touch {toolchain}/new.txt 2>/dev/null && echo toolchain written || echo toolchain refused",
                $"echo cached > {cache}/entry.txt && echo cache written");

            var result = await scenario.RunAsync(scenario.Assignment(VerificationScenario.Stage(StageKind.Build, command)), TestToken);

            Assert.Equal(VerifyOutcome.Passed, result.Outcome);
            Assert.Equal(["toolchain 1.0", "toolchain refused", "cache written"], StageOutput(scenario.Reporter));
            Assert.False(File.Exists(Path.Combine(toolchain, "new.txt")));
            Assert.Equal("cached\n", await File.ReadAllTextAsync(Path.Combine(cache, "entry.txt"), TestToken));
        }
        finally
        {
            TempFolder.Delete(toolchain);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_Sandboxed_GitWorksInTheCheckout()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap(network: false));

        var result = await scenario.RunAsync(
            scenario.Assignment(VerificationScenario.Stage(StageKind.Test, "git rev-parse HEAD~1 && git status --porcelain && git log -1 --format=%s")),
            TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Equal([scenario.BaseCommit, "The agent's work"], StageOutput(scenario.Reporter));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_StageRewritesDotGit_TheNextStageStillCannotSeeHiddenFolders()
    {
        var hidden = Directory.CreateDirectory(Path.Combine(_hostFolder, "hidden")).FullName;
        await File.WriteAllTextAsync(Path.Combine(hidden, "secret.txt"), "hidden\n", TestToken);
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap(hidden: [hidden]));

        var result = await scenario.RunAsync(
            scenario.Assignment(
                VerificationScenario.Stage(StageKind.Build, $"printf 'gitdir: {hidden}\\n' > .git"),
                VerificationScenario.Stage(StageKind.Test, $"if [ -e {hidden}/secret.txt ]; then echo sees it; else echo hidden; fi")),
            TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Equal(["hidden"], StageOutput(scenario.Reporter));
    }

    [Theory(Timeout = 30_000)]
    // Opening a FIFO blocks until a writer comes; reading /dev/zero never ends.
    [InlineData("rm .git && mkfifo .git")]
    [InlineData("rm .git && ln -s /dev/zero .git")]
    public async Task RunAsync_StageTurnsDotGitIntoSomethingEndless_TheNextStageStillRuns(string replace)
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap());

        var result = await scenario.RunAsync(
            scenario.Assignment(
                VerificationScenario.Stage(StageKind.Build, replace),
                VerificationScenario.Stage(StageKind.Test, "echo next stage")),
            TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Equal(["next stage"], StageOutput(scenario.Reporter));
    }

    [Theory(Timeout = 60_000)]
    [InlineData("")]
    [InlineData("/worktrees/theirs")]
    public async Task RunAsync_StagePointsDotGitAtAnotherRepositorysCache_TheNextStageCannotSeeIt(string registration)
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap());
        // Another repository's clone cache with a checkout of its own registered: as git leaves them.
        var other = Path.Combine(scenario.VerifierRoot, "cache", "other.git");
        var theirs = Directory.CreateDirectory(Path.Combine(other, "worktrees", "theirs")).FullName;
        await File.WriteAllTextAsync(Path.Combine(theirs, "commondir"), "../..\n", TestToken);
        await File.WriteAllTextAsync(Path.Combine(theirs, "gitdir"), Path.Combine(scenario.VerifierRoot, "worktrees", "theirs", ".git") + "\n", TestToken);
        await File.WriteAllTextAsync(Path.Combine(other, "secret.txt"), "another repository's\n", TestToken);

        var result = await scenario.RunAsync(
            scenario.Assignment(
                VerificationScenario.Stage(StageKind.Build, $"printf 'gitdir: {other}{registration}\\n' > .git"),
                VerificationScenario.Stage(StageKind.Test, $"if [ -e {other}/secret.txt ]; then echo sees it; else echo hidden; fi")),
            TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Equal(["hidden"], StageOutput(scenario.Reporter));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_SandboxedStageFailsTheSameWayOnTheBaseCommit_TheBaseRanSandboxedToo()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken, sandbox: Bubblewrap());
        // Fails only where bubblewrap is the PID namespace's first process: in the sandbox.
        const string FailsSandboxed = "grep -q bwrap /proc/1/cmdline && { echo 'FAILED tests/test_box.py::test_box - assert sandboxed'; exit 1; }; exit 0";

        var result = await scenario.RunAsync(scenario.Assignment(VerificationScenario.Stage(StageKind.Test, FailsSandboxed)), TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Equal([StageKind.Test], result.PreExistingFailures);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_NoSandbox_StageRunsWithTheVerifiersRightsAndNoSandboxLine()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);
        var onHost = Path.Combine(_hostFolder, "written.txt");

        var result = await scenario.RunAsync(
            scenario.Assignment(VerificationScenario.Stage(StageKind.Test, $"touch {onHost}")), TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.True(File.Exists(onHost));
        Assert.DoesNotContain(scenario.Reporter.Events, e => e.OutputLine?.Text.StartsWith("sandbox:", StringComparison.Ordinal) == true);
    }

    private static List<string> StageOutput(RecordingReporter reporter) =>
        [.. reporter.Events.Where(e => e.OutputLine?.Source == OutputSource.Verifier).Select(e => e.OutputLine.Text)];

    // Host processes whose command line mentions the tag: the test's own stage commands carry it.
    private static List<int> ProcessesMentioning(string tag)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(tag, StringComparison.Ordinal) && ProcFs.IsRunning(pid))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // It ended while /proc was read.
            }
        }

        return found;
    }
}
