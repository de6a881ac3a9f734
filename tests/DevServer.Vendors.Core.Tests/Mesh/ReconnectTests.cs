using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;

namespace DevServer.Vendors.Core.Tests.Mesh;

/// <summary>
/// Nothing is lost when the stream breaks: after a reconnect the worker reports its active assignments and sends
/// again exactly what the orchestrator has not acknowledged, and keeps a result until it is stored.
/// </summary>
public sealed class ReconnectTests
{
    private const int TimeoutMs = 30_000;

    [Fact(Timeout = TimeoutMs)]
    public async Task Reconnect_AfterPartialAcknowledgement_ResendsOnlyUnacknowledgedEvents()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = new HandlerScript
        {
            Run = async (_, reporter, cancellationToken) =>
            {
                for (var i = 1; i <= 5; i++)
                {
                    reporter.Report(TestWork.Line($"line {i}"));
                }

                await release.Task.WaitAsync(cancellationToken);
                reporter.Report(TestWork.Line("line 6"));
                return TestWork.Succeeded();
            },
        };
        var mesh = new MeshDouble { AcknowledgeEvents = false };
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        mesh.Assign(TestWork.Agent("a-1"));
        await mesh.WaitUntilAsync(m => m.EventsOf("a-1").Count == 5, "five events");

        // The acknowledgement is written before the stream ends, and the worker reads both in order.
        mesh.Acknowledge("a-1", eventsThrough: 3);
        mesh.Drop();
        await mesh.WaitUntilAsync(m => m.Connection == 2 && m.EventsOf("a-1").Count(e => e.Connection == 2) >= 2, "the resent events");
        release.SetResult();
        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 1, "the result");

        Assert.Equal(["a-1"], mesh.Hellos[1].ActiveAssignmentIds);
        Assert.Equal(mesh.Hellos[0].WorkerId, mesh.Hellos[1].WorkerId);
        var events = mesh.EventsOf("a-1");
        Assert.Equal([1L, 2L, 3L, 4L, 5L], events.Where(e => e.Connection == 1).Select(e => e.Event.Sequence));
        Assert.Equal([4L, 5L, 6L], events.Where(e => e.Connection == 2).Select(e => e.Event.Sequence));
        Assert.Equal(6, mesh.ResultsOf("a-1")[0].Result.LastEventSequence);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Reconnect_ResultNotStored_ResentUntilStoredThenForgotten()
    {
        var script = new HandlerScript
        {
            Run = (_, reporter, _) =>
            {
                reporter.Report(TestWork.Line("only line"));
                return Task.FromResult(TestWork.Succeeded());
            },
        };
        var mesh = new MeshDouble { StoreResults = false };
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        mesh.Assign(TestWork.Agent("a-1"));
        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 1, "the result");

        mesh.Drop();
        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 2, "the result again on the second connection");
        mesh.Acknowledge("a-1", eventsThrough: 1, resultStored: true);
        mesh.Drop();
        await mesh.WaitUntilAsync(m => m.Hellos.Count == 3 && m.Heartbeats > 0 && m.Arrivals[^1].Connection == 3, "a third connection at work");

        Assert.Equal(["a-1"], mesh.Hellos[1].ActiveAssignmentIds);
        Assert.Empty(mesh.Hellos[2].ActiveAssignmentIds);
        Assert.Equal([1, 2], mesh.ResultsOf("a-1").Select(r => r.Connection));
        // The event was acknowledged on the first connection: never sent again.
        Assert.Equal([1], mesh.EventsOf("a-1").Select(e => e.Connection));
        Assert.Single(script.Started);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Cancel_FinishedAssignmentWithUnstoredResult_DroppedAndNotResent()
    {
        var mesh = new MeshDouble { StoreResults = false };
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, new HandlerScript());
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        mesh.Assign(TestWork.Agent("a-1"));
        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 1, "the result");

        // What the orchestrator answers about an assignment it has given up (its lease ran out).
        mesh.Cancel("a-1", "lost");
        mesh.Drop();
        await mesh.WaitUntilAsync(m => m.Hellos.Count == 2 && m.Heartbeats > 0 && m.Arrivals[^1].Connection == 2, "a second connection at work");

        Assert.Empty(mesh.Hellos[1].ActiveAssignmentIds);
        Assert.Single(mesh.ResultsOf("a-1"));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task OrchestratorRestart_SamePort_WorkerReconnectsWithActiveIdAndResendsUnacknowledged()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = new HandlerScript
        {
            Run = async (_, reporter, cancellationToken) =>
            {
                reporter.Report(TestWork.Line("stored before the restart"));
                reporter.Report(TestWork.Line("not acknowledged before the restart"));
                await release.Task.WaitAsync(cancellationToken);
                reporter.Report(TestWork.Line("after the restart"));
                return TestWork.Succeeded();
            },
        };
        var mesh = new MeshDouble { AcknowledgeEvents = false };
        var server = await MeshDoubleServer.StartAsync(mesh);
        var port = server.Address.Port;
        await using var worker = await WorkerUnderTest.StartAsync(server.Address, script);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        mesh.Assign(TestWork.Agent("a-1"));
        await mesh.WaitUntilAsync(m => m.EventsOf("a-1").Count == 2, "both events");
        mesh.Acknowledge("a-1", eventsThrough: 1);
        await mesh.WaitUntilAsync(m => m.Heartbeats > 0 && m.Arrivals[^1].Message.Heartbeat is not null, "a heartbeat after the acknowledgement");

        await server.StopAsync();
        await using var restarted = await MeshDoubleServer.StartAsync(mesh, port);
        await mesh.WaitUntilAsync(m => m.Hellos.Count == 2, "the Hello to the restarted orchestrator");
        mesh.AcknowledgeEvents = true;
        await mesh.WaitUntilAsync(m => m.EventsOf("a-1").Any(e => e.Connection == 2), "the resent event");
        release.SetResult();
        await mesh.WaitUntilAsync(m => m.ResultsOf("a-1").Count == 1, "the result");

        Assert.Equal(mesh.Hellos[0].WorkerId, mesh.Hellos[1].WorkerId);
        Assert.Equal(["a-1"], mesh.Hellos[1].ActiveAssignmentIds);
        Assert.Equal([2L, 3L], mesh.EventsOf("a-1").Where(e => e.Connection == 2).Select(e => e.Event.Sequence));
        var result = mesh.ResultsOf("a-1")[0];
        Assert.Equal(2, result.Connection);
        Assert.Equal(3, result.Result.LastEventSequence);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Stop_WhileRunning_HandlerCancelledAndItsResultDeliveredBeforeTheStreamCloses()
    {
        var script = new HandlerScript
        {
            Run = async (_, reporter, cancellationToken) =>
            {
                reporter.Report(TestWork.Line("working"));
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // A handler stops its process tree, then still answers.
                    await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
                }

                return TestWork.Cancelled("stopped for shutdown");
            },
        };
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        var worker = await WorkerUnderTest.StartAsync(server.Address, script);
        await mesh.WaitUntilAsync(m => m.Connection == 1, "the connection");
        mesh.Assign(TestWork.Agent("a-1"));
        await mesh.WaitUntilAsync(m => m.EventsOf("a-1").Count == 1, "the first event");

        await worker.DisposeAsync();

        var result = Assert.Single(mesh.ResultsOf("a-1")).Result;
        Assert.Equal(AgentOutcome.Cancelled, result.Agent.Outcome);
        Assert.Equal(1, result.LastEventSequence);
        await mesh.WaitUntilAsync(m => m.ClosedByWorker == 1, "the worker's half-close");
    }
}
