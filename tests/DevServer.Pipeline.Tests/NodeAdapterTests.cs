using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Pipeline.Testing;
using DevServer.Testing;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Pipeline.Tests;

/// <summary>
/// A task through the Node example adapter (vendors/examples/node-adapter): a third-party worker written against the
/// mesh contract alone, run as a real node process next to the real orchestrator and verifier.
/// </summary>
public sealed class NodeAdapterTests
{
    private const string AgentCommand =
        "echo \"node agent on task $DEVSERVER_TASK_ID: $DEVSERVER_TASK_TITLE\" && echo 'to stderr' >&2 && echo 'Hello from the agent' >> greeting.txt";

    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task CreateTask_NodeAdapterAndVerifier_EndsDoneWithPatchAndAdapterOutput()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("node", typeof(NodeAdapterTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        await using var adapter = StartAdapter(host, AgentCommand);
        host.StartVerifier("verifier-a");
        var repository = await host.AddSampleRepositoryAsync(ct, r => r.Commands = new VerificationCommands { Test = SampleRepository.TestCommand });

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Greet from node", Vendor = "node-script", Enqueue = true },
            cancellationToken: ct);
        var finished = await WaitAsync(host, adapter, created.Task.Id, ct);

        Assert.True(finished.Task.Status == TaskStatus.Done, $"{finished}\n--- adapter ---\n{adapter.StandardOutput}\n{adapter.StandardError}");
        var run = Assert.Single(finished.Runs);
        Assert.Equal(RunOutcome.Succeeded, run.Outcome);
        Assert.Equal("node-script", run.Vendor);
        Assert.True(run.Verification.Passed);

        // The patch is one commit that applies to the base in a clean clone and carries the agent's change.
        var patch = await host.Tasks().GetTaskPatchAsync(new GetTaskPatchRequest { Id = created.Task.Id }, cancellationToken: ct);
        Assert.True(patch.Verified);
        Assert.Equal(1, patch.CommitCount);
        Assert.NotEqual(patch.BaseCommit, patch.HeadCommit);
        Assert.Contains("+Hello from the agent", patch.PatchSeries.ToStringUtf8(), StringComparison.Ordinal);
        Assert.Contains("node-adapter@devserver.invalid", patch.PatchSeries.ToStringUtf8(), StringComparison.Ordinal);
        var clone = Path.Combine(host.Root, "check");
        await SampleRepository.GitAsync(host.Root, ct, "clone", "--quiet", repository, clone);
        var mbox = Path.Combine(host.Root, "work.mbox");
        await File.WriteAllBytesAsync(mbox, patch.PatchSeries.ToByteArray(), ct);
        await SampleRepository.GitAsync(clone, ct, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "am", "--quiet", mbox);
        Assert.Contains("Hello from the agent", await File.ReadAllTextAsync(Path.Combine(clone, "greeting.txt"), ct), StringComparison.Ordinal);

        // The adapter's events arrived once each, in order, with the task in the command's environment.
        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        var agentLines = events.Where(e => e.OutputLine is { Source: OutputSource.Agent }).Select(e => e.OutputLine).ToList();
        Assert.Single(agentLines, l => l.Text == $"node agent on task {created.Task.Id}: Greet from node" && !l.Stderr);
        Assert.Single(agentLines, l => l.Text == "to stderr" && l.Stderr);
        Assert.Contains(events, e => e.OutputLine is { Source: OutputSource.Worker } line && line.Text.StartsWith("fetching ", StringComparison.Ordinal));

        // SIGTERM stops the adapter promptly and cleanly.
        var stopped = await adapter.TerminateAsync(TimeSpan.FromSeconds(15), ct);
        Assert.False(stopped.TimedOut, stopped.ToString());
        Assert.Equal(0, stopped.ExitCode);
    }

    [Fact]
    public async Task CreateTask_NodeAdapterCommandFails_RunFailsWithExitCodeAndOutput()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("nodefail", typeof(NodeAdapterTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        await using var adapter = StartAdapter(host, "echo 'giving up'; exit 3");
        await host.AddSampleRepositoryAsync(ct);

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Fail in node", Vendor = "node-script", MaxAttempts = 1, SkipVerification = true, Enqueue = true },
            cancellationToken: ct);
        var finished = await WaitAsync(host, adapter, created.Task.Id, ct);

        Assert.True(finished.Task.Status != TaskStatus.Done, finished.ToString());
        var run = Assert.Single(finished.Runs);
        Assert.Equal(RunOutcome.Failed, run.Outcome);
        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        Assert.Contains(events, e => e.OutputLine is { Source: OutputSource.Agent, Text: "giving up" });

        var stopped = await adapter.TerminateAsync(TimeSpan.FromSeconds(15), ct);
        Assert.False(stopped.TimedOut, stopped.ToString());
    }

    [Fact]
    public async Task CancelTask_NodeAdapterRunning_StopsTheCommandTreeAndRecordsCancelled()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("nodecancel", typeof(NodeAdapterTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        // The sleep is a grandchild of the adapter (sh -> sleep); its pid goes outside the worktree.
        await using var adapter = StartAdapter(host, "sleep 120 & echo $! > ../../sleep.pid; echo started; wait");
        await host.AddSampleRepositoryAsync(ct);
        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Cancel in node", Vendor = "node-script", SkipVerification = true, Enqueue = true },
            cancellationToken: ct);

        var pidFile = Path.Combine(host.Root, "workers", "node-adapter", "sleep.pid");
        using (var started = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            started.CancelAfter(TaskTimeout);
            while (!(await host.ReadEventsAsync(created.Task.Id, started.Token)).Exists(e => e.OutputLine is { Text: "started" }))
            {
                await Task.Delay(100, started.Token);
            }
        }

        var sleepPid = int.Parse((await File.ReadAllTextAsync(pidFile, ct)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(ProcFs.IsRunning(sleepPid));
        await host.Tasks().CancelTaskAsync(new CancelTaskRequest { Id = created.Task.Id, Reason = "test" }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Cancelled);

        // The adapter reported the cancel (the run ends cancelled, not lost) and the whole tree is gone.
        using (var ended = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            ended.CancelAfter(TimeSpan.FromSeconds(30));
            while ((await host.Tasks().GetTaskAsync(new GetTaskRequest { Id = created.Task.Id }, cancellationToken: ended.Token)).Runs is var runs
                && (runs.Count == 0 || runs[^1].Outcome == RunOutcome.Running))
            {
                await Task.Delay(100, ended.Token);
            }
        }

        var run = Assert.Single((await host.Tasks().GetTaskAsync(new GetTaskRequest { Id = created.Task.Id }, cancellationToken: ct)).Runs);
        Assert.True(run.Outcome == RunOutcome.Cancelled, $"{run}\n--- adapter ---\n{adapter.StandardOutput}");
        using (var gone = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            gone.CancelAfter(TimeSpan.FromSeconds(20));
            while (ProcFs.IsRunning(sleepPid) || !adapter.StandardOutput.Contains("finished: AGENT_OUTCOME_CANCELLED", StringComparison.Ordinal))
            {
                Assert.False(gone.IsCancellationRequested, $"the agent's sleep {sleepPid} survived the cancel, or no cancelled result:\n{adapter.StandardOutput}");
                await Task.Delay(100, ct);
            }
        }

        Assert.Equal(TaskStatus.Cancelled, finished.Task.Status);
    }

    [Fact]
    public async Task OrchestratorKilledMidTask_NodeAdapterReconnects_TaskDoneWithoutLostOrDuplicatedEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("nodecrash", typeof(NodeAdapterTests).Assembly);
        // A lease longer than the restart, so the adapter keeps its assignment and has to resend what was lost.
        await host.StartOrchestratorAsync(ct, "--Orchestrator:Mesh:LeaseDuration=00:00:20");
        var started = Path.Combine(host.Root, "agent-started");
        // The command keeps talking through the outage; the adapter must resend what was not acknowledged, once.
        await using var adapter = StartAdapter(host,
            $"touch {started}; for i in $(seq 1 40); do echo tick $i; sleep 0.1; done; echo 'Hello from the agent' >> greeting.txt");
        await host.AddSampleRepositoryAsync(ct);
        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Survive the orchestrator", Vendor = "node-script", SkipVerification = true, Enqueue = true },
            cancellationToken: ct);
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            wait.CancelAfter(TaskTimeout);
            while (!File.Exists(started))
            {
                await Task.Delay(50, wait.Token);
            }
        }

        await host.Orchestrator!.CrashAsync(ct);
        await host.StartOrchestratorAsync(ct, "--Orchestrator:Mesh:LeaseDuration=00:00:20");

        var finished = await WaitAsync(host, adapter, created.Task.Id, ct);
        Assert.True(finished.Task.Status == TaskStatus.Done, $"{finished}\n--- adapter ---\n{adapter.StandardOutput}");
        Assert.Contains("connection ended", adapter.StandardOutput, StringComparison.Ordinal);
        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        var ticks = events.Where(e => e.OutputLine is not null && e.OutputLine.Text.StartsWith("tick ", StringComparison.Ordinal))
            .GroupBy(e => (e.Attempt, e.OutputLine.Text)).ToList();
        Assert.All(ticks, group => Assert.Single(group));
        var succeeded = Assert.Single(finished.Runs);
        Assert.Equal(RunOutcome.Succeeded, succeeded.Outcome);
        Assert.Equal(40, ticks.Count(g => g.Key.Attempt == succeeded.Attempt));
        Assert.Single(events, e => e.StatusChanged?.To == TaskStatus.Done);
    }

    private static async Task<GetTaskResponse> WaitAsync(PipelineHost host, ChildProcess adapter, long taskId, CancellationToken ct)
    {
        try
        {
            return await host.WaitForStatusAsync(taskId, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n--- node adapter ---\n{adapter.StandardOutput}\n{adapter.StandardError}", e);
        }
    }

    // node is found on PATH; the adapter's packages come from npm ci in its folder (build.sh does it).
    private static ChildProcess StartAdapter(PipelineHost host, string command)
    {
        var folder = Path.Combine(RepositoryLayout.Root, "vendors", "examples", "node-adapter");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "@grpc", "grpc-js")))
        {
            throw new InvalidOperationException($"{folder}/node_modules is missing: run ./build.sh test or npm ci there.");
        }

        var workspace = Path.Combine(host.Root, "workers", "node-adapter");
        Directory.CreateDirectory(workspace);
        return ChildProcess.Start(
            "node",
            [
                Path.Combine(folder, "adapter.mjs"),
                $"--orchestrator={host.Address}",
                $"--token-file={Path.Combine(host.DataDirectory, "worker.token")}",
                $"--workspace={workspace}",
                "--name=node-adapter-a",
                $"--command={command}",
            ],
            workspace);
    }
}
