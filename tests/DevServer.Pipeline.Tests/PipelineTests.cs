using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

using DevServer.Pipeline.Testing;
using DevServer.Testing;

namespace DevServer.Pipeline.Tests;

/// <summary>A task from the API through orchestrator, script sidecar and verifier to a verified patch.</summary>
public sealed class PipelineTests
{
    private const string AgentCommand = "echo 'working on it' && echo 'Hello from the agent' >> greeting.txt";
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task CreateTask_ScriptAgentAndVerifier_EndsDoneWithPatchAndGapFreeEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("happy", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        host.StartScriptSidecar("sidecar-a", AgentCommand);
        host.StartVerifier("verifier-a");
        var repository = await host.AddSampleRepositoryAsync(ct, r => r.Commands = new VerificationCommands { Test = SampleRepository.TestCommand, Lint = "test -f greeting.txt" });
        // The build stage is left to detection, which finds this Makefile's target.
        await File.WriteAllTextAsync(Path.Combine(repository, "Makefile"), "build:\n\t@echo built by make\n", ct);
        await SampleRepository.GitAsync(repository, ct, "add", "Makefile");
        await SampleRepository.GitAsync(repository, ct, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "--quiet", "-m", "Makefile");

        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Greet from the agent", Enqueue = true }, cancellationToken: ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal(TaskStatus.Done, finished.Task.Status);
        var run = Assert.Single(finished.Runs);
        Assert.Equal(RunOutcome.Succeeded, run.Outcome);
        Assert.True(run.Verification.Passed);

        // The patch applies to the base commit in a clone nobody else touched.
        var patch = await host.Tasks().GetTaskPatchAsync(new GetTaskPatchRequest { Id = created.Task.Id }, cancellationToken: ct);
        Assert.True(patch.Verified);
        Assert.Equal(1, patch.CommitCount);
        var clone = Path.Combine(host.Root, "check");
        await SampleRepository.GitAsync(host.Root, ct, "clone", "--quiet", repository, clone);
        var mbox = Path.Combine(host.Root, "work.mbox");
        await File.WriteAllBytesAsync(mbox, patch.PatchSeries.ToByteArray(), ct);
        await SampleRepository.GitAsync(clone, ct, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "am", "--quiet", mbox);
        Assert.Contains("Hello from the agent", await File.ReadAllTextAsync(Path.Combine(clone, "greeting.txt"), ct), StringComparison.Ordinal);

        // Events: numbered 1..N without gaps, statuses in lifecycle order, agent and verifier output present.
        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        var statuses = events.Where(e => e.StatusChanged is not null).Select(e => e.StatusChanged.To).ToArray();
        Assert.Equal([TaskStatus.Queued, TaskStatus.Running, TaskStatus.Verifying, TaskStatus.Delivering, TaskStatus.Done], statuses);
        // The default flow is patch only: the preflight gate passed, nothing was pushed, the statistics are measured.
        Assert.Contains(events, e => e.Delivered is { Flow: DeliveryFlow.Patch, Branch: "" });
        Assert.Equal(1, patch.Statistics.FilesChanged);
        Assert.Contains(events, e => e.OutputLine is { Source: OutputSource.Agent, Text: "working on it" });
        Assert.Contains(events, e => e.StageFinished is { Passed: true, Stage: Contracts.Work.V1.StageKind.Test });

        // The repository remembers what was detected for its empty build stage.
        var shown = (await host.Repositories().GetRepositoryAsync(new GetRepositoryRequest { Repository = "sample" }, cancellationToken: ct)).Repository;
        var detected = Assert.Single(shown.DetectedCommands);
        Assert.Equal(
            (Contracts.Work.V1.StageKind.Build, "make build", "Makefile target \"build\"", created.Task.Id),
            (detected.Stage, detected.Command, detected.DetectedFrom, detected.TaskId));
    }

    [Fact]
    public async Task WatchTaskEvents_ResumedFromSequence_SendsTheRestExactlyOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("resume", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        host.StartScriptSidecar("sidecar-a", "for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done; echo 'Hello from the agent' >> greeting.txt");
        host.StartVerifier("verifier-a");
        await host.AddSampleRepositoryAsync(ct, r => r.Commands = new VerificationCommands { Test = SampleRepository.TestCommand });
        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Resume me", Enqueue = true }, cancellationToken: ct);

        // First watcher: stop after three events, as if the connection dropped.
        var first = new List<TaskEvent>();
        using (var call = host.Events().WatchTaskEvents(new WatchTaskEventsRequest { TaskId = created.Task.Id }, cancellationToken: ct))
        {
            while (first.Count < 3 && await call.ResponseStream.MoveNext(ct))
            {
                first.Add(call.ResponseStream.Current.Event);
            }
        }

        // Second watcher resumes after the last one seen and follows to the end.
        var rest = new List<TaskEvent>();
        using (var call = host.Events().WatchTaskEvents(
            new WatchTaskEventsRequest { TaskId = created.Task.Id, AfterSequence = first[^1].Sequence, UntilFinished = true }, cancellationToken: ct))
        {
            while (await call.ResponseStream.MoveNext(ct))
            {
                rest.Add(call.ResponseStream.Current.Event);
            }
        }

        var all = first.Concat(rest).ToList();
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(e => e.Sequence));
        Assert.Equal(TaskStatus.Done, all[^1].StatusChanged?.To);
        var stored = await host.ReadEventsAsync(created.Task.Id, ct);
        Assert.Equal(stored.Select(e => e.Sequence), all.Select(e => e.Sequence));
    }

    [Fact]
    public async Task TaskApi_BadInputOrNoToken_RefusedWithTheRightStatusAndNothingStored()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("badinput", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        var repository = await host.AddSampleRepositoryAsync(ct);
        var tasks = host.Tasks();

        async Task<StatusCode> CodeOf(CreateTaskRequest request)
        {
            var error = await Assert.ThrowsAsync<RpcException>(async () => await tasks.CreateTaskAsync(request, cancellationToken: ct));
            return error.StatusCode;
        }

        Assert.Equal(StatusCode.NotFound, await CodeOf(new CreateTaskRequest { Repository = "nope", Title = "x" }));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(new CreateTaskRequest { Repository = "sample", Title = "" }));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(new CreateTaskRequest { Repository = "sample", Title = "x", BaseBranch = "../etc" }));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(new CreateTaskRequest { Repository = "sample", Title = "x", BaseBranch = "a b" }));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(new CreateTaskRequest { Repository = "sample", Title = new string('x', 201) }));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(new CreateTaskRequest { Repository = "sample", Title = "x", Description = new string('x', 70_000) }));
        Assert.Equal(StatusCode.InvalidArgument, await CodeOf(new CreateTaskRequest { Repository = "sample", Title = "x", Priority = 9 }));
        var badRepository = await Assert.ThrowsAsync<RpcException>(async () => await host.Repositories().AddRepositoryAsync(
            new AddRepositoryRequest { Name = "bad name", Location = repository }, cancellationToken: ct));
        Assert.Equal(StatusCode.InvalidArgument, badRepository.StatusCode);
        var badLocation = await Assert.ThrowsAsync<RpcException>(async () => await host.Repositories().AddRepositoryAsync(
            new AddRepositoryRequest { Name = "other", Location = "--upload-pack=evil" }, cancellationToken: ct));
        Assert.Equal(StatusCode.InvalidArgument, badLocation.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await tasks.GetTaskAsync(new GetTaskRequest { Id = 4242 }, cancellationToken: ct));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        var anonymous = new TaskService.TaskServiceClient(host.Invoker(token: "not-a-token"));
        var unauthenticated = await Assert.ThrowsAsync<RpcException>(async () => await anonymous.ListTasksAsync(new ListTasksRequest(), cancellationToken: ct));
        Assert.Equal(StatusCode.Unauthenticated, unauthenticated.StatusCode);

        Assert.Empty((await tasks.ListTasksAsync(new ListTasksRequest(), cancellationToken: ct)).Tasks);
        Assert.Single((await host.Repositories().ListRepositoriesAsync(new ListRepositoriesRequest(), cancellationToken: ct)).Repositories);
    }

    [Fact]
    public async Task CancelTask_WhileAgentRuns_KillsTheAgentProcessTree()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("cancel", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        var pids = Path.Combine(host.Root, "agent.pids");
        host.StartScriptSidecar("sidecar-a", $"sleep 300 & echo $! >> {pids}; sh -c 'sleep 301' & echo $! >> {pids}; echo $$ >> {pids}; wait");
        await host.AddSampleRepositoryAsync(ct);
        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Sleep forever", Enqueue = true }, cancellationToken: ct);

        await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Running);
        var started = await WaitForPidsAsync(pids, 3, ct);
        Assert.All(started, pid => Assert.True(ProcFs.IsRunning(pid), $"agent process {pid} should be running"));

        var cancelled = await host.Tasks().CancelTaskAsync(new CancelTaskRequest { Id = created.Task.Id, Reason = "test" }, cancellationToken: ct);
        Assert.Equal(TaskStatus.Cancelled, cancelled.Task.Status);

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(60));
        while (started.Any(ProcFs.IsRunning))
        {
            await Task.Delay(100, bounded.Token);
        }

        var run = Assert.Single((await host.Tasks().GetTaskAsync(new GetTaskRequest { Id = created.Task.Id }, cancellationToken: ct)).Runs);
        Assert.Equal(RunOutcome.Cancelled, run.Outcome);
    }

    [Fact]
    public async Task VerificationFails_EveryAttempt_TaskFailsWithTheStageOutput()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("verifyfail", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        host.StartScriptSidecar("sidecar-a", "echo change >> greeting.txt");
        host.StartScriptSidecar("sidecar-b", "echo change >> greeting.txt");
        host.StartVerifier("verifier-a");
        await host.AddSampleRepositoryAsync(ct, r =>
        {
            r.MaxAttempts = 2;
            // Fails only on the agent's work (the base commit passes), so it is the agent's regression, not a failure the base has.
            r.Commands = new VerificationCommands
            {
                Build = "echo building", Test = "grep -q change greeting.txt || exit 0; echo 'expected greeting missing'; exit 3", Lint = "echo never",
            };
        });
        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Will fail verification", Enqueue = true }, cancellationToken: ct);

        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed);

        Assert.Equal(TaskStatus.Failed, finished.Task.Status);
        Assert.Equal(2, finished.Runs.Count);
        Assert.All(finished.Runs, run =>
        {
            Assert.Equal("test", run.Verification.FailedStage);
            Assert.Equal(3, run.Verification.ExitCode);
            Assert.Contains("expected greeting missing", run.Verification.OutputTail, StringComparison.Ordinal);
        });
        // The retry went back to the sidecar of the first attempt (it keeps the agent's session), though another was free.
        Assert.Equal(finished.Runs[0].WorkerId, finished.Runs[1].WorkerId);
        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        Assert.DoesNotContain(events, e => e.StageStarted?.Stage == Contracts.Work.V1.StageKind.Lint);
        Assert.Contains(events, e => e.RetryScheduled is { NextAttempt: 2 });
    }

    [Fact]
    public async Task AttemptTimeout_AgentRunsTooLong_TimedOutTreeKilledAndTaskFailed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("timeout", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        var pids = Path.Combine(host.Root, "agent.pids");
        host.StartScriptSidecar("sidecar-a", $"sleep 300 & echo $! >> {pids}; echo $$ >> {pids}; wait");
        await host.AddSampleRepositoryAsync(ct);
        var created = await host.Tasks().CreateTaskAsync(new CreateTaskRequest
        {
            Repository = "sample",
            Title = "Too slow",
            Enqueue = true,
            MaxAttempts = 1,
            AttemptTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(3)),
        }, cancellationToken: ct);

        var started = await WaitForPidsAsync(pids, 2, ct);
        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Failed, TaskStatus.Done);

        Assert.Equal(TaskStatus.Failed, finished.Task.Status);
        Assert.Equal(RunOutcome.TimedOut, Assert.Single(finished.Runs).Outcome);
        Assert.All(started, pid => Assert.False(ProcFs.IsRunning(pid), $"agent process {pid} outlived its timeout"));
    }

    [Fact]
    public async Task PausedQueue_HoldsTasksUntilResumed_AndConcurrencyLimitHolds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("pause", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        var running = Path.Combine(host.Root, "running");
        Directory.CreateDirectory(running);
        // Each agent records itself while it runs, so the test can see how many ran at once.
        host.StartScriptSidecar("sidecar-a",
            $"touch {running}/$DEVSERVER_TASK_ID; ls {running} | wc -l >> {host.Root}/concurrency; sleep 1; rm {running}/$DEVSERVER_TASK_ID; echo x >> greeting.txt");
        host.StartScriptSidecar("sidecar-b",
            $"touch {running}/$DEVSERVER_TASK_ID; ls {running} | wc -l >> {host.Root}/concurrency; sleep 1; rm {running}/$DEVSERVER_TASK_ID; echo x >> greeting.txt");
        await host.AddSampleRepositoryAsync(ct);
        await host.Queue().UpdateQueueAsync(new UpdateQueueRequest { Paused = true, MaxConcurrency = 1 }, cancellationToken: ct);

        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await host.Tasks().CreateTaskAsync(
                new CreateTaskRequest { Repository = "sample", Title = $"Task {i}", Enqueue = true, SkipVerification = true }, cancellationToken: ct)).Task.Id);
        }

        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var whilePaused = await host.Queue().GetQueueAsync(new GetQueueRequest(), cancellationToken: ct);
        Assert.Equal(3, whilePaused.Queue.Queued);
        Assert.Equal(0, whilePaused.Queue.Active);

        await host.Queue().UpdateQueueAsync(new UpdateQueueRequest { Paused = false }, cancellationToken: ct);
        foreach (var id in ids)
        {
            var done = await host.WaitForStatusAsync(id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed);
            Assert.Equal(TaskStatus.Done, done.Task.Status);
        }

        var observed = (await File.ReadAllLinesAsync(Path.Combine(host.Root, "concurrency"), ct)).Select(int.Parse).ToArray();
        Assert.Equal(3, observed.Length);
        Assert.All(observed, count => Assert.Equal(1, count));
    }

    private static async Task<int[]> WaitForPidsAsync(string file, int count, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (File.Exists(file))
            {
                var pids = (await File.ReadAllLinesAsync(file, bounded.Token)).Where(l => l.Length > 0).Select(int.Parse).ToArray();
                if (pids.Length >= count)
                {
                    return pids;
                }
            }

            await Task.Delay(100, bounded.Token);
        }
    }
}
