using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.Versioning;
using DevServer.Testing;

// The runner signals process groups and reads /proc; the tests also set file modes and signal dispositions.
[assembly: SupportedOSPlatform("linux")]

namespace DevServer.Processes.Tests;

public sealed class ProcessRunnerTests
{
    private static readonly TimeSpan LineWait = TimeSpan.FromSeconds(20);

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    private static ProcessSpec Shell(string script) => new("sh", ["-c", script]);

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_ProgramExitsNonZero_ReturnsItsExitCode()
    {
        var exit = await ProcessRunner.RunAsync(Shell("exit 3"), null, TestToken);

        Assert.Equal(3, exit.ExitCode);
        Assert.False(exit.Cancelled);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_BothStreams_DeliversEachStreamInOrderWithStandardErrorFlagged()
    {
        var lines = new List<ProcessOutputLine>();

        var exit = await ProcessRunner.RunAsync(
            Shell("i=1; while [ $i -le 500 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done"),
            lines.Add,
            TestToken);

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(Enumerable.Range(1, 500).Select(i => $"out{i}"), lines.Where(l => !l.IsStandardError).Select(l => l.Text));
        Assert.Equal(Enumerable.Range(1, 500).Select(i => $"err{i}"), lines.Where(l => l.IsStandardError).Select(l => l.Text));
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_LineLongerThan64KiB_IsCutAndTheNextLineIsIntact()
    {
        var lines = new List<ProcessOutputLine>();

        await ProcessRunner.RunAsync(Shell("head -c 200000 /dev/zero | tr '\\0' a; printf '\\r\\nnext\\nlast-without-break'"), lines.Add, TestToken);

        Assert.Equal(3, lines.Count);
        Assert.Equal(new string('a', 64 * 1024), lines[0].Text);
        Assert.Equal("next", lines[1].Text);
        Assert.Equal("last-without-break", lines[2].Text);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_MaxLineLengthRaised_DeliversMegabyteLineWholeAndCutsBeyondTheNewLimit()
    {
        var lines = new List<ProcessOutputLine>();
        var spec = Shell("head -c 1500000 /dev/zero | tr '\\0' a; printf '\\nnext\\n'; head -c 2500000 /dev/zero | tr '\\0' b; printf '\\n'")
            with { MaxLineLength = 2 * 1024 * 1024 };

        await ProcessRunner.RunAsync(spec, lines.Add, TestToken);

        Assert.Equal(3, lines.Count);
        Assert.Equal(new string('a', 1_500_000), lines[0].Text);
        Assert.Equal("next", lines[1].Text);
        Assert.Equal(new string('b', 2 * 1024 * 1024), lines[2].Text);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_MultiByteCharacterAtTheCut_IsDroppedWhole()
    {
        var lines = new List<ProcessOutputLine>();

        // 65,535 ASCII bytes, then 'é' (two bytes) straddling the 64 KiB limit.
        await ProcessRunner.RunAsync(Shell("head -c 65535 /dev/zero | tr '\\0' a; printf '\\303\\251tail\\n'"), lines.Add, TestToken);

        Assert.Equal(new string('a', 65535), Assert.Single(lines).Text);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_StandardInput_IsEmpty()
    {
        var captured = await ProcessRunner.CaptureAsync(new ProcessSpec("cat", []), TestToken);

        Assert.Equal(0, captured.ExitCode);
        Assert.Equal(string.Empty, captured.StandardOutput);
    }

    [Fact(Timeout = 30_000)]
    public async Task CaptureAsync_Scrubbed_HidesParentVariablesAndPassesAllowedAndExplicitOnes()
    {
        const string Secret = "DEVSERVER_PROCESSES_TEST_SECRET";
        Environment.SetEnvironmentVariable(Secret, "hunter2");
        Environment.SetEnvironmentVariable("LC_PROCESSES_TEST", "kept");
        var script = $"echo \"secret=${Secret}\"; echo \"path=$PATH\"; echo \"lc=$LC_PROCESSES_TEST\"; echo \"explicit=$EXPLICIT\"";
        var explicitVariables = new Dictionary<string, string> { ["EXPLICIT"] = "given" };

        var scrubbed = await ProcessRunner.CaptureAsync(
            Shell(script) with { EnvironmentMode = EnvironmentMode.Scrubbed, Environment = explicitVariables },
            TestToken);
        var inherited = await ProcessRunner.CaptureAsync(Shell(script) with { Environment = explicitVariables }, TestToken);

        Assert.Equal(
            $"secret=\npath={Environment.GetEnvironmentVariable("PATH")}\nlc=kept\nexplicit=given\n",
            scrubbed.StandardOutput);
        Assert.StartsWith("secret=hunter2\n", inherited.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_Cancelled_KillsTheWholeTreeIncludingItsOwnSession()
    {
        var pids = new BlockingCollection<int>();
        var spec = Shell("echo $$; sleep 300 & echo $!; sleep 300 & echo $!; setsid sleep 300 & echo $!; wait")
            with { GracePeriod = TimeSpan.FromSeconds(10) }; // the shell dies at once; this only bounds a slow machine

        await using var run = new CancellableRun(spec, line => pids.Add(int.Parse(line.Text, CultureInfo.InvariantCulture)), TestToken);
        var tree = Enumerable.Range(0, 4).Select(_ => Take(pids)).ToList();
        var started = tree.ToDictionary(pid => pid, pid => ProcFs.StartTime(pid) ?? throw new InvalidOperationException($"{pid} is not running."));
        // The shell prints the last pid as soon as it has forked; setsid makes its own session a moment later.
        using (var sessionWait = CancellationTokenSource.CreateLinkedTokenSource(TestToken))
        {
            sessionWait.CancelAfter(LineWait);
            while (ProcFs.SessionId(tree[3]) == tree[0])
            {
                await Task.Delay(10, sessionWait.Token);
            }
        }

        var exit = await run.CancelAsync();

        // The shell dies of the interrupt (128 + SIGINT); its background children ignore it and are killed.
        Assert.True(exit.Cancelled);
        Assert.Equal(130, exit.ExitCode);
        Assert.All(tree, pid => Assert.False(ProcFs.IsRunning(pid, started[pid]), $"process {pid} still runs"));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_ChildTrapsInterrupt_GetsItsGracePeriodBeforeAnyKill()
    {
        await AssertTrapRunsBeforeAnyKillAsync(parentIgnoresInterrupt: false);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_ParentIgnoresInterrupt_ChildCanStillTrapIt()
    {
        // Without the runner's reset the shell inherits SIGINT ignored, cannot trap it, and is killed after 30 s.
        await AssertTrapRunsBeforeAnyKillAsync(parentIgnoresInterrupt: true);
    }

    private static async Task AssertTrapRunsBeforeAnyKillAsync(bool parentIgnoresInterrupt)
    {
        var marker = Path.Combine(Path.GetTempPath(), $"processes-test-{Guid.NewGuid():N}");
        var ready = new TaskCompletionSource();
        var spec = Shell($"trap 'sleep 1; echo saved > {marker}; exit 0' INT; echo ready; sleep 300 & wait")
            with { GracePeriod = TimeSpan.FromSeconds(30) };
        try
        {
            await using var run = StartRun(spec, ready, parentIgnoresInterrupt);
            await ready.Task.WaitAsync(LineWait, TestToken);
            var exit = await run.CancelAsync();

            Assert.True(exit.Cancelled);
            Assert.Equal(0, exit.ExitCode);
            Assert.Equal("saved\n", await File.ReadAllTextAsync(marker, TestToken));
            Assert.True(exit.Duration < TimeSpan.FromSeconds(20), $"took {exit.Duration}: the runner waited for the grace period although the child had ended");
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact(Timeout = 30_000)]
    public void SignalReset_EnvWithoutTheOption_ChildrenStartWithoutIt()
    {
        var folder = Directory.CreateTempSubdirectory("processes-test-");
        try
        {
            // An env as BusyBox's or coreutils before 8.31 answers an unknown option.
            var env = Path.Combine(folder.FullName, "env");
            File.WriteAllText(env, "#!/bin/sh\necho \"env: unrecognized option '$1'\" >&2\nexit 125\n");
            File.SetUnixFileMode(env, UnixFileMode.UserRead | UnixFileMode.UserExecute);

            Assert.Empty(SignalReset.Probe(folder.FullName));
            Assert.Equal(["/usr/bin/env", "--default-signal=INT,TERM"], SignalReset.Probe("/usr/bin"));
            Assert.Empty(SignalReset.Probe(Path.Combine(folder.FullName, "nowhere")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static CancellableRun StartRun(ProcessSpec spec, TaskCompletionSource ready, bool parentIgnoresInterrupt)
    {
        if (!parentIgnoresInterrupt)
        {
            return new CancellableRun(spec, _ => ready.TrySetResult(), TestToken);
        }

        // Only while the child starts: it inherits the disposition then.
        using var ignored = new IgnoredInterrupt();
        return new CancellableRun(spec, _ => ready.TrySetResult(), TestToken);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_ChildIgnoresInterrupt_IsKilledAfterItsGracePeriod()
    {
        var ready = new TaskCompletionSource();
        var spec = Shell("trap '' INT; echo ready; while :; do sleep 1; done") with { GracePeriod = TimeSpan.FromSeconds(1) };

        await using var run = new CancellableRun(spec, _ => ready.TrySetResult(), TestToken);
        await ready.Task.WaitAsync(LineWait, TestToken);
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        var exit = await run.CancelAsync();

        Assert.True(exit.Cancelled);
        Assert.Null(exit.ExitCode);
        Assert.True(stopping.Elapsed >= TimeSpan.FromSeconds(0.9), $"killed after {stopping.Elapsed}, before its grace period ended");
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_MissingProgram_ThrowsNamingIt()
    {
        var byName = await Assert.ThrowsAsync<FileNotFoundException>(
            () => ProcessRunner.RunAsync(new ProcessSpec("devserver-no-such-program", []), null, TestToken));
        var byPath = await Assert.ThrowsAsync<FileNotFoundException>(
            () => ProcessRunner.RunAsync(new ProcessSpec("/nonexistent/tool", []), null, TestToken));

        Assert.Contains("devserver-no-such-program", byName.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/tool", byPath.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task CaptureAsync_RunAsUser_RunsAsThatUserWhenPrivileged()
    {
        var self = await ProcessRunner.CaptureAsync(new ProcessSpec("id", ["-u"]), TestToken);

        var other = await ProcessRunner.CaptureAsync(new ProcessSpec("id", ["-u"]) { RunAsUser = "nobody" }, TestToken);

        Assert.Equal(0, other.ExitCode);
        if (Environment.IsPrivilegedProcess)
        {
            var nobody = await ProcessRunner.CaptureAsync(new ProcessSpec("id", ["-u", "nobody"]), TestToken);
            Assert.Equal(nobody.StandardOutput, other.StandardOutput);
            Assert.NotEqual(self.StandardOutput, other.StandardOutput);
        }
        else
        {
            Assert.Equal(self.StandardOutput, other.StandardOutput);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Start_StopAsync_StopsALongLivedChildAndWaitTokenOnlyEndsTheWait()
    {
        await using var running = ProcessRunner.Start(Shell("exec sleep 300") with { GracePeriod = TimeSpan.FromSeconds(5) }, null);
        var startTime = ProcFs.StartTime(running.Id)!.Value;

        using var shortWait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitForExitAsync(shortWait.Token));
        Assert.True(ProcFs.IsRunning(running.Id, startTime));
        var exit = await running.StopAsync(TestToken);

        // sleep dies of SIGINT within the grace period: it was stopped, not killed.
        Assert.True(exit.Cancelled);
        Assert.False(ProcFs.IsRunning(running.Id, startTime));
        Assert.Equal(exit, await running.WaitForExitAsync(TestToken));
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_LineCallbackThrows_RethrowsAfterTheChildEnded()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ProcessRunner.RunAsync(Shell("echo one; echo two"), _ => throw new InvalidOperationException("callback"), TestToken));

        Assert.Equal("callback", failure.Message);
    }

    private static int Take(BlockingCollection<int> pids) =>
        pids.TryTake(out var pid, LineWait) ? pid : throw new TimeoutException("The child did not print its process ids.");
}
