using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using Rpc;
using Rpc.Client;
using Rpc.Interceptors;

namespace DevServer.Orchestrator.Tests.Tasks;

/// <summary>
/// One orchestrator process for a test class of the public API (tasks, repositories, events, queue, mesh), with the
/// generated clients on the admin token and an invoker on the worker token. Its tests run one after another but share
/// the database, so each test works in repositories (and vendors) of its own and compares counts, not totals.
/// </summary>
/// <remarks>
/// Worker leases are set far from the defaults: long enough that a test's fake worker never needs a heartbeat, and
/// distinct so the mesh tests can tell the Welcome carries the configured values.
/// </remarks>
public sealed class ApiOrchestratorFixture : IAsyncLifetime
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(7);
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(90);

    private OrchestratorProcess? _orchestrator;
    private RpcChannel? _channel;
    private int _names;

    public string AdminToken { get; private set; } = "";

    public string WorkerToken { get; private set; } = "";

    public RpcChannel Channel => _channel ?? throw new InvalidOperationException("Not started.");

    /// <summary>Its data directory, where its embedded PostgreSQL listens (for tests that set up rows no API writes).</summary>
    public string DataDirectory => _orchestrator?.Data.Path ?? throw new InvalidOperationException("Not started.");

    public CallInvoker AdminInvoker => Invoker(AdminToken);

    public CallInvoker WorkerInvoker => Invoker(WorkerToken);

    public TaskService.TaskServiceClient Tasks => new(AdminInvoker);

    public RepositoryService.RepositoryServiceClient Repositories => new(AdminInvoker);

    public EventService.EventServiceClient Events => new(AdminInvoker);

    public QueueService.QueueServiceClient Queue => new(AdminInvoker);

    public MeshService.MeshServiceClient Mesh => new(WorkerInvoker);

    /// <summary>What the orchestrator printed so far, for failure messages.</summary>
    public string Output => $"--- orchestrator stdout ---\n{_orchestrator?.Process.StandardOutput}\n--- orchestrator stderr ---\n{_orchestrator?.Process.StandardError}";

    /// <summary>A name no other test of the class uses (repository names, vendors, labels).</summary>
    public string UniqueName(string prefix) => $"{prefix}{Interlocked.Increment(ref _names)}";

    /// <summary>Adds a repository with a fresh name at a path that need not exist (the orchestrator never opens it).</summary>
    public async Task<Repository> AddRepositoryAsync(CancellationToken cancellationToken, Action<AddRepositoryRequest>? configure = null)
    {
        var request = new AddRepositoryRequest { Name = UniqueName("repo"), Location = "/srv/git/sample.git" };
        configure?.Invoke(request);
        return (await Repositories.AddRepositoryAsync(request, cancellationToken: cancellationToken)).Repository;
    }

    /// <summary>Creates a task titled <paramref name="title"/> in <paramref name="repository"/>.</summary>
    public async Task<AgentTask> CreateTaskAsync(
        Repository repository, string title, CancellationToken cancellationToken, Action<CreateTaskRequest>? configure = null)
    {
        var request = new CreateTaskRequest { Repository = repository.Name, Title = title };
        configure?.Invoke(request);
        return (await Tasks.CreateTaskAsync(request, cancellationToken: cancellationToken)).Task;
    }

    /// <summary>Every stored event of a task, oldest first.</summary>
    public async Task<List<TaskEvent>> ReadEventsAsync(long taskId, CancellationToken cancellationToken)
    {
        var response = await Events.ListTaskEventsAsync(
            new ListTaskEventsRequest { TaskId = taskId, PageSize = 1000 }, cancellationToken: cancellationToken);
        Assert.False(response.More, "More than a page of events; the test expected a handful.");
        return [.. response.Events];
    }

    // A unary call refused because the orchestrator exited says so, with its exit code and output (see the interceptor).
    private CallInvoker Invoker(string token) =>
        Channel.CreateCallInvoker().WithBearerToken(token).Intercept(new ExitedOrchestratorInterceptor(_orchestrator!));

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _orchestrator = await OrchestratorProcess.StartAsync(
            ct,
            $"--Orchestrator:Mesh:HeartbeatInterval={HeartbeatInterval:c}",
            $"--Orchestrator:Mesh:LeaseDuration={LeaseDuration:c}",
            // Rate-limit backoffs of 30 s and more would make the tests that hit them wait; the ladder is what they check.
            "--Orchestrator:Agents:RateLimitBackoff:0=00:00:00.5",
            "--Orchestrator:Agents:RateLimitBackoff:1=00:00:01",
            "--Orchestrator:Agents:RateLimitBackoff:2=00:00:02");
        _channel = RpcChannel.ForAddress(_orchestrator.GrpcAddress);
        AdminToken = _orchestrator.Data.ReadAdminToken();
        WorkerToken = _orchestrator.Data.ReadWorkerToken();
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        _channel = null;
        if (_orchestrator is not null)
        {
            await _orchestrator.DisposeAsync();
            _orchestrator = null;
        }
    }
}
