using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;

namespace DevServer.Vendors.Core.Tests.Mesh;

/// <summary>An assignment's way through the kit: the handler, its numbered events, its result, cancels and capacity.</summary>
public sealed class AssignmentTests
{
    private const int TimeoutMs = 30_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task Assignment_HandlerReportsEvents_EventsNumberedInOrderThenResultWithLastSequence()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        var script = new HandlerScript
        {
            Run = (_, reporter, _) =>
            {
                reporter.Report(TestWork.Line("one"));
                reporter.Report(TestWork.Line("two"));
                reporter.Report(TestWork.Line("three"));
                // The kit fills in the assignment id and the last sequence; whatever the handler put there is replaced.
                var result = TestWork.Succeeded();
                result.LastEventSequence = 99;
                return Task.FromResult(result);
            },
        };
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script, clock: clock);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");

        mesh.Assign(TestWork.Agent("a-1"));

        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 1, "the result");
        var events = mesh.EventsOf("a-1");
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Event.Sequence));
        Assert.Equal(["one", "two", "three"], events.Select(e => e.Event.OutputLine.Text));
        Assert.All(events, e => Assert.Equal(clock.Now, e.Event.Time.ToDateTimeOffset()));
        var result = mesh.ResultsOf("a-1")[0].Result;
        Assert.Equal("a-1", result.AssignmentId);
        Assert.Equal(3, result.LastEventSequence);
        Assert.Equal(AgentOutcome.Succeeded, result.Agent.Outcome);
        var arrivals = mesh.Arrivals.ToList();
        Assert.True(
            arrivals.FindIndex(a => a.Message.Result is not null) > arrivals.FindLastIndex(a => a.Message.Events is not null),
            "The result must come after all its events.\n" + mesh.Describe());
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Assignment_SentTwice_RunsOnce()
    {
        var release = new TaskCompletionSource<WorkResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = new HandlerScript { Run = (_, _, _) => release.Task };
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script, settings => settings["Worker:Capacity"] = "2");
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");

        mesh.Assign(TestWork.Agent("a-1"));
        mesh.Assign(TestWork.Agent("a-1"));
        mesh.Assign(TestWork.Agent("a-2"));
        await mesh.WaitUntilAsync(_ => script.Started.Count == 2, "both assignments started");
        release.SetResult(TestWork.Succeeded());
        await mesh.WaitUntilAsync(m => m.ResultsOf("a-2").Count == 1, "the second result");

        Assert.Equal(["a-1", "a-2"], script.Started.Order());
        Assert.Single(mesh.ResultsOf("a-1"));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Cancel_RunningAssignment_ReachesHandlerTokenAndItsResultIsSent()
    {
        var script = new HandlerScript
        {
            Run = async (_, _, cancellationToken) =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    return TestWork.Succeeded();
                }
                catch (OperationCanceledException)
                {
                    return TestWork.Cancelled("stopped by the handler");
                }
            },
        };
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        mesh.Assign(TestWork.Agent("a-1"));
        await mesh.WaitUntilAsync(_ => script.Running == 1, "the handler running");
        await mesh.WaitUntilAsync(
            m => m.Arrivals.Any(a => a.Message.Heartbeat is { Active: 1 }),
            "a heartbeat counting the running assignment");

        mesh.Cancel("a-1", "the user cancelled the task");

        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 1, "the cancelled result");
        var result = mesh.ResultsOf("a-1")[0].Result.Agent;
        Assert.Equal(AgentOutcome.Cancelled, result.Outcome);
        Assert.Equal("stopped by the handler", result.Error);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Cancel_HandlerThrowsOperationCanceled_KitReportsCancelled()
    {
        var script = new HandlerScript
        {
            Run = async (_, _, cancellationToken) =>
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return TestWork.Succeeded();
            },
        };
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        mesh.Assign(TestWork.Agent("a-1"));
        await mesh.WaitUntilAsync(_ => script.Running == 1, "the handler running");

        mesh.Cancel("a-1");
        mesh.Cancel("unknown-id");

        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 1, "the cancelled result");
        Assert.Equal(AgentOutcome.Cancelled, mesh.ResultsOf("a-1")[0].Result.Agent.Outcome);
        Assert.Empty(mesh.ResultsOf("unknown-id"));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Capacity1_SecondAssignment_WaitsUntilTheFirstFinishes()
    {
        var gates = new Dictionary<string, TaskCompletionSource<WorkResult>>
        {
            ["a-1"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            ["a-2"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        var script = new HandlerScript { Run = (assignment, _, _) => gates[assignment.AssignmentId].Task };
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");

        mesh.Assign(TestWork.Agent("a-1"));
        mesh.Assign(TestWork.Agent("a-2"));
        await mesh.WaitUntilAsync(_ => script.Started.Count == 1, "the first assignment started");
        // Several heartbeats later the second has still not started.
        var heartbeats = mesh.Heartbeats;
        await mesh.WaitUntilAsync(m => m.Heartbeats >= heartbeats + 3, "three more heartbeats");
        Assert.Equal(["a-1"], script.Started);
        Assert.Contains(mesh.Arrivals, a => a.Message.Heartbeat is { Active: 2 });

        gates["a-1"].SetResult(TestWork.Succeeded());
        await mesh.WaitUntilAsync(_ => script.Started.Count == 2, "the second assignment started");
        gates["a-2"].SetResult(TestWork.Succeeded());
        await mesh.WaitUntilAsync(m => m.ResultsOf("a-2").Count == 1, "the second result");

        Assert.Equal(1, script.MaxRunning);
        Assert.Equal(["a-1", "a-2"], script.Started);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Cancel_QueuedAssignment_CancelledWithoutRunningTheHandler()
    {
        var release = new TaskCompletionSource<WorkResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = new HandlerScript { Run = (_, _, _) => release.Task };
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        mesh.Assign(TestWork.Agent("a-1"));
        mesh.Assign(TestWork.Agent("a-2"));
        await mesh.WaitUntilAsync(_ => script.Started.Count == 1, "the first assignment started");

        mesh.Cancel("a-2");

        await mesh.WaitUntilAsync(m => m.ResultsOf("a-2").Count == 1, "the queued assignment's result");
        Assert.Equal(AgentOutcome.Cancelled, mesh.ResultsOf("a-2")[0].Result.Agent.Outcome);
        release.SetResult(TestWork.Succeeded());
        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 1, "the first result");
        Assert.Equal(["a-1"], script.Started);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Assignment_AgentHandlerThrows_FailedAgentResultWithTheMessage()
    {
        var script = new HandlerScript
        {
            Run = (_, reporter, _) =>
            {
                reporter.Report(TestWork.Line("before"));
                throw new InvalidOperationException("the disk is full");
            },
        };
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");

        mesh.Assign(TestWork.Agent("a-1"));

        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 1, "the failed result");
        var result = mesh.ResultsOf("a-1")[0].Result;
        Assert.Equal(AgentOutcome.Failed, result.Agent.Outcome);
        Assert.Equal("the disk is full", result.Agent.Error);
        Assert.Equal(1, result.LastEventSequence);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Assignment_VerifyHandlerThrows_FailedVerifyResultWithTheMessage()
    {
        var script = new HandlerScript { Run = (_, _, _) => throw new InvalidOperationException("no checkout") };
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script, kind: WorkerKind.Verifier);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        Assert.Equal(WorkerKind.Verifier, mesh.Hellos[0].Kind);
        Assert.Equal(string.Empty, mesh.Hellos[0].Vendor);

        mesh.Assign(TestWork.Verify("v-1"));

        await mesh.WaitUntilAsync(m => m.ResultsOf("v-1").Count == 1, "the failed result");
        var result = mesh.ResultsOf("v-1")[0].Result;
        Assert.Equal(VerifyOutcome.Failed, result.Verify.Outcome);
        Assert.Equal("no checkout", result.Verify.OutputTail);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Assignment_WorkOfTheOtherKind_FailedWithoutRunningTheHandler()
    {
        var script = new HandlerScript();
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");

        mesh.Assign(TestWork.Verify("v-1"));

        await mesh.WaitUntilAsync(m => m.ResultsOf("v-1").Count == 1, "the refusal");
        Assert.Equal(VerifyOutcome.Failed, mesh.ResultsOf("v-1")[0].Result.Verify.Outcome);
        Assert.Empty(script.Started);
    }
}

/// <summary>A clock whose "now" stands still; its timers are the system's, so heartbeats still tick.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
