using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Settings.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Testing;
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

    private OrchestratorDataDirectory? _data;
    private ChildProcess? _process;
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

    public string UniqueName(string prefix) => $"{prefix}{Interlocked.Increment(ref _names)}";

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _data = new OrchestratorDataDirectory();
        _process = OrchestratorProcess.Launch(_data, $"--Orchestrator:Delivery:ForgeTokens:{ConfiguredHost}={ConfiguredToken}");
        try
        {
            var grpc = await OrchestratorProcess.WaitForGrpcAddressAsync(_process, ct);
            _channel = RpcChannel.ForAddress(grpc);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }

        AdminToken = _data.ReadAdminToken();
        WorkerToken = _data.ReadWorkerToken();
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        _channel = null;
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }

        if (_data is not null)
        {
            await _data.DisposeAsync();
            _data = null;
        }
    }
}
