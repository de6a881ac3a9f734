using System.Collections.Concurrent;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Mesh;
using DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DevServer.Vendors.Core.Tests.Mesh;

/// <summary>
/// A worker host built the way an executable builds it (<c>AddMeshWorker</c>), in the test process, with a handler
/// the test scripts and fast reconnects.
/// </summary>
internal sealed class WorkerUnderTest : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private WorkerUnderTest(IHost host) => _host = host;

    /// <summary>The worker host's services (its loggers, for the log forwarding tests).</summary>
    public IServiceProvider Services => _host.Services;

    public static IHost Build(
        HandlerScript script,
        IDictionary<string, string?> settings,
        WorkerKind kind = WorkerKind.Vendor,
        TimeProvider? clock = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(new TestOutputLoggerProvider(TestContext.Current.TestOutputHelper));
        builder.Services.AddSingleton(script);
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.AddMeshWorker<ScriptedHandler>(kind, kind == WorkerKind.Vendor ? "test" : null);
        return builder.Build();
    }

    /// <summary>Settings for a worker of <paramref name="address"/> that retries within a fraction of a second.</summary>
    public static Dictionary<string, string?> Settings(Uri address) => new()
    {
        ["Worker:OrchestratorAddress"] = address.ToString(),
        ["Worker:Token"] = "worker-token",
        ["Worker:Name"] = "test-worker",
        ["Worker:WorkspaceRoot"] = Path.Combine(Path.GetTempPath(), "devserver-mesh-tests"),
        ["Worker:ReconnectDelay:Min"] = "00:00:00.050",
        ["Worker:ReconnectDelay:Max"] = "00:00:00.200",
    };

    public static async Task<WorkerUnderTest> StartAsync(
        Uri address,
        HandlerScript script,
        Action<Dictionary<string, string?>>? configure = null,
        WorkerKind kind = WorkerKind.Vendor,
        TimeProvider? clock = null)
    {
        var settings = Settings(address);
        configure?.Invoke(settings);
        var host = Build(script, settings, kind, clock);
        await host.StartAsync(TestContext.Current.CancellationToken);
        return new WorkerUnderTest(host);
    }

    /// <summary>The host's graceful stop (what SIGTERM triggers), bounded so a hang fails the test.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            bound.CancelAfter(TimeSpan.FromSeconds(20));
            await _host.StopAsync(bound.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}

/// <summary>What the handler does, set by the test, and what it saw.</summary>
internal sealed class HandlerScript
{
    private int _running;
    private int _maxRunning;

    public Func<Assignment, IWorkReporter, CancellationToken, Task<WorkResult>> Run { get; set; } =
        (_, _, _) => Task.FromResult(TestWork.Succeeded());

    /// <summary>Assignment ids in the order the handler was called with them.</summary>
    public ConcurrentQueue<string> Started { get; } = new();

    public int Running => Volatile.Read(ref _running);

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    public async Task<WorkResult> InvokeAsync(Assignment assignment, IWorkReporter reporter, CancellationToken cancellationToken)
    {
        Started.Enqueue(assignment.AssignmentId);
        var running = Interlocked.Increment(ref _running);
        InterlockedMax(ref _maxRunning, running);
        try
        {
            return await Run(assignment, reporter, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

/// <summary>The handler the worker under test runs: whatever its <see cref="HandlerScript"/> says.</summary>
internal sealed class ScriptedHandler(HandlerScript script) : IAssignmentHandler
{
    public Task<WorkResult> RunAsync(Assignment assignment, IWorkReporter reporter, CancellationToken cancellationToken) =>
        script.InvokeAsync(assignment, reporter, cancellationToken);
}

/// <summary>Assignments, events and results for the tests.</summary>
internal static class TestWork
{
    public static Assignment Agent(string id, long taskId = 42) => new()
    {
        AssignmentId = id,
        TaskId = taskId,
        Attempt = 1,
        Agent = new AgentWork { BaseBranch = "main", WorkBranch = $"devserver/task-{taskId}", Task = new TaskBrief { TaskId = taskId, Title = "t" } },
    };

    public static Assignment Verify(string id) => new()
    {
        AssignmentId = id,
        TaskId = 42,
        Attempt = 1,
        Verify = new VerifyWork { BaseCommit = "abc" },
    };

    public static WorkEvent Line(string text) => new()
    {
        OutputLine = new DevServer.Contracts.Events.V1.OutputLine { Source = DevServer.Contracts.Events.V1.OutputSource.Agent, Text = text },
    };

    public static WorkResult Succeeded() => new() { Agent = new AgentResult { Outcome = AgentOutcome.Succeeded } };

    public static WorkResult Cancelled(string error) => new() { Agent = new AgentResult { Outcome = AgentOutcome.Cancelled, Error = error } };
}
