using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Settings.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using Rpc;
using Rpc.Client;

namespace DevServer.Orchestrator.Tests.Settings;

/// <summary>
/// The built orchestrator with a fallback forge token in its configuration (<see cref="ConfiguredToken"/>, a canary the
/// settings must never reveal), and clients on the admin and worker tokens.
/// </summary>
public sealed class SettingsOrchestratorFixture : IAsyncLifetime
{
    public const string ConfiguredHost = "git.example.com";

    /// <summary>A value that appears in no other place, so finding it anywhere in a response is a leak.</summary>
    public static readonly string ConfiguredToken = "cfg-canary-" + Guid.NewGuid().ToString("N");

    private OrchestratorProcess? _orchestrator;
    private RpcChannel? _channel;
    private int _names;

    public CallInvoker AdminInvoker => Channel.CreateCallInvoker().WithBearerToken(AdminToken);

    public SettingsService.SettingsServiceClient Settings => new(AdminInvoker);

    public QueueService.QueueServiceClient Queue => new(AdminInvoker);

    public RepositoryService.RepositoryServiceClient Repositories => new(AdminInvoker);

    public TaskService.TaskServiceClient Tasks => new(AdminInvoker);

    public MeshService.MeshServiceClient Mesh => new(Channel.CreateCallInvoker().WithBearerToken(WorkerToken));

    public SettingsService.SettingsServiceClient SettingsAsWorker => new(Channel.CreateCallInvoker().WithBearerToken(WorkerToken));

    private RpcChannel Channel => _channel ?? throw new InvalidOperationException("Not started.");

    private string AdminToken { get; set; } = "";

    private string WorkerToken { get; set; } = "";

    /// <summary>Its data directory, where its embedded PostgreSQL listens (for tests that change rows no API writes).</summary>
    public string DataDirectory => _orchestrator?.Data.Path ?? throw new InvalidOperationException("Not started.");

    public string UniqueName(string prefix) => $"{prefix}{Interlocked.Increment(ref _names)}";

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _orchestrator = await OrchestratorProcess.StartAsync(
            ct,
            $"--Orchestrator:Delivery:ForgeTokens:{ConfiguredHost}={ConfiguredToken}");
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
