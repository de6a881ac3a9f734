using System.Diagnostics;
using System.Globalization;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

using DevServer.Pipeline.Testing;
using DevServer.Testing;

namespace DevServer.Pipeline.Tests;

/// <summary>Processes killed with SIGKILL mid-task, and two orchestrators sharing one database.</summary>
public sealed class CrashTests
{
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task SidecarKilledMidTask_TaskFinishesOnAnotherSidecar_AndTheRestartedSidecarStopsTheLeftoverAgent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("sidecar-crash", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        var started = Path.Combine(host.Root, "first-started");
        // The agent writes its pid (the shell's, which exec hands to sleep) and then stays, quiet, as a build would.
        const string doomedAgent = "echo $$ > pid.tmp && mv pid.tmp {0}; exec sleep 300";
        var doomed = host.StartScriptSidecar("doomed", string.Format(CultureInfo.InvariantCulture, doomedAgent, started));
        host.StartVerifier("verifier-a");
        await host.AddSampleRepositoryAsync(ct, r => r.Commands = new VerificationCommands { Test = SampleRepository.TestCommand });
        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Survive a crash", Enqueue = true }, cancellationToken: ct);
        await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Running);
        await PipelineHost.WaitForFileAsync(started, ct);

        host.StartScriptSidecar("survivor", "echo 'Hello from the agent' >> greeting.txt");
        await doomed.CrashAsync(ct);

        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed);
        Assert.Equal(TaskStatus.Done, finished.Task.Status);
        Assert.Equal([RunOutcome.Lost, RunOutcome.Succeeded], finished.Runs.Select(r => r.Outcome));
        var events = await host.ReadEventsAsync(created.Task.Id, ct);
        Assert.Contains(events, e => e.WorkerLost is { WorkerName: "doomed" });
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));

        // The killed sidecar's agent outlived it (nothing else stops its process group); the sidecar's next start on the
        // same workspace stops it before connecting (the process group ledger).
        var agent = int.Parse(await File.ReadAllTextAsync(started, ct), CultureInfo.InvariantCulture);
        var agentStartTime = ProcFs.StartTime(agent) ?? throw new Xunit.Sdk.XunitException("The killed sidecar's agent did not outlive it.");
        host.StartScriptSidecar("doomed", "true");
        var waiting = Stopwatch.StartNew();
        while (ProcFs.IsRunning(agent, agentStartTime))
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(60), $"The restarted sidecar did not stop the killed one's agent (pid {agent}) within 60 s.");
            await Task.Delay(100, ct);
        }
    }

    [Fact]
    public async Task OrchestratorKilledMidTask_AfterRestartTheTaskFinishesOnceWithoutLostOrDuplicatedEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("orchestrator-crash", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        var started = Path.Combine(host.Root, "agent-started");
        // The agent keeps talking through the outage; every line must be stored exactly once.
        host.StartScriptSidecar("sidecar-a", TalkingAgent.Command(started));
        host.StartVerifier("verifier-a");
        await host.AddSampleRepositoryAsync(ct, r => r.Commands = new VerificationCommands { Test = SampleRepository.TestCommand });
        var created = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Survive the orchestrator", Enqueue = true }, cancellationToken: ct);
        await PipelineHost.WaitForFileAsync(started, ct);

        await host.Orchestrator!.CrashAsync(ct);
        await host.StartOrchestratorAsync(ct, "--Orchestrator:Mesh:LeaseDuration=00:00:20");

        var finished = await host.WaitForStatusAsync(created.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);
        // One delivery: exactly one attempt reached done, and the task became done exactly once.
        await TalkingAgent.AssertEveryLineStoredOnceAsync(host, finished, ct);
    }

    [Fact]
    public async Task QueuedTasks_OrchestratorRestartedBeforeAnyWorker_RunAfterTheRestart()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("queued-restart", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        await host.AddSampleRepositoryAsync(ct);
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await host.Tasks().CreateTaskAsync(
                new CreateTaskRequest { Repository = "sample", Title = $"Queued {i}", Enqueue = true, SkipVerification = true }, cancellationToken: ct)).Task.Id);
        }

        await host.Orchestrator!.CrashAsync(ct);
        await host.StartOrchestratorAsync(ct);
        host.StartScriptSidecar("late", "echo x >> greeting.txt");

        foreach (var id in ids)
        {
            var done = await host.WaitForStatusAsync(id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed);
            Assert.Equal(TaskStatus.Done, done.Task.Status);
            Assert.Single(done.Runs);
        }
    }

    [Fact]
    public async Task TwoOrchestratorsOnOneDatabase_EveryTaskRunsExactlyOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("two", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        var (_, second) = await host.StartSecondOrchestratorAsync(ct);
        var log = Path.Combine(host.Root, "runs.log");
        var agent = $"echo $DEVSERVER_TASK_ID >> {log}; echo x >> greeting.txt";
        host.StartScriptSidecar("on-first", agent);
        host.StartScriptSidecar("on-second", agent, second);
        await host.AddSampleRepositoryAsync(ct);
        await host.Queue().UpdateQueueAsync(new Contracts.Queue.V1.UpdateQueueRequest { MaxConcurrency = 4 }, cancellationToken: ct);

        // One watcher of all tasks on each orchestrator: each must see every event, also those the other one stored.
        using var watchFirst = new CancellationTokenSource(TaskTimeout);
        var seenOnFirst = WatchAllUntilDoneAsync(host.Events(), 12, watchFirst.Token);
        var seenOnSecond = WatchAllUntilDoneAsync(new EventService.EventServiceClient(host.Invoker(address: second)), 12, watchFirst.Token);

        var ids = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            var tasks = host.Tasks(i % 2 == 0 ? host.Address : second);
            ids.Add((await tasks.CreateTaskAsync(
                new CreateTaskRequest { Repository = "sample", Title = $"Task {i}", Enqueue = true, SkipVerification = true }, cancellationToken: ct)).Task.Id);
        }

        foreach (var id in ids)
        {
            var done = await host.WaitForStatusAsync(id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed);
            Assert.Equal(TaskStatus.Done, done.Task.Status);
            Assert.Single(done.Runs);
        }

        var executions = (await File.ReadAllLinesAsync(log, ct)).Select(long.Parse).ToArray();
        Assert.Equal(ids.Order(), executions.Order());
        var workers = (await host.Queue().ListWorkersAsync(new Contracts.Queue.V1.ListWorkersRequest(), cancellationToken: ct)).Workers;
        Assert.Equal(2, workers.Count(w => w.Connected));

        var onFirst = await seenOnFirst;
        var onSecond = await seenOnSecond;
        Assert.Equal(onFirst.Select(e => e.Position), onSecond.Select(e => e.Position));
        Assert.Equal(Enumerable.Range(1, onFirst.Count).Select(i => (long)i), onFirst.Select(e => e.Position));
        foreach (var id in ids)
        {
            var events = await host.ReadEventsAsync(id, ct);
            Assert.Equal(events.Select(e => e.Position), onSecond.Where(e => e.TaskId == id).Select(e => e.Position));
        }
    }

    /// <summary>Every event from the start of the log until <paramref name="tasks"/> tasks have become done.</summary>
    private static async Task<List<TaskEvent>> WatchAllUntilDoneAsync(EventService.EventServiceClient events, int tasks, CancellationToken cancellationToken)
    {
        var seen = new List<TaskEvent>();
        using var call = events.WatchEvents(new WatchEventsRequest { AfterPosition = 0 }, cancellationToken: cancellationToken);
        while (seen.Count(e => e.StatusChanged?.To == TaskStatus.Done) < tasks && await call.ResponseStream.MoveNext(cancellationToken))
        {
            seen.Add(call.ResponseStream.Current.Event);
        }

        return seen;
    }
}
