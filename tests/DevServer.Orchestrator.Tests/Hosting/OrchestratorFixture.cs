using DevServer.Orchestrator.Tests.Infrastructure;
using Rpc;
using Rpc.Client;
using Rpc.Wire;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>One running orchestrator shared by a test class that only calls it, with a channel to each endpoint.</summary>
public sealed class OrchestratorFixture : IAsyncLifetime
{
    private OrchestratorProcess? _orchestrator;

    internal OrchestratorProcess Orchestrator => _orchestrator ?? throw new InvalidOperationException("Not started.");

    /// <summary>gRPC over h2c to the gRPC port.</summary>
    public RpcChannel Channel { get; private set; } = null!;

    /// <summary>gRPC-Web (binary) over HTTP/1.1 to the web port.</summary>
    public RpcChannel WebChannel { get; private set; } = null!;

    /// <summary>The admin token the orchestrator wrote into its data directory.</summary>
    public string AdminToken { get; private set; } = "";

    /// <summary>The worker token the orchestrator wrote into its data directory.</summary>
    public string WorkerToken { get; private set; } = "";

    /// <summary>Calls over h2c with the admin token, as the CLI makes them.</summary>
    public CallInvoker AdminInvoker => Channel.CreateCallInvoker().WithBearerToken(AdminToken);

    /// <summary>What the orchestrator printed so far, for failure messages.</summary>
    public string Output => $"{_orchestrator?.Process.CommandLine}\n--- stdout ---\n{_orchestrator?.Process.StandardOutput}\n--- stderr ---\n{_orchestrator?.Process.StandardError}";

    public async ValueTask InitializeAsync()
    {
        _orchestrator = await OrchestratorProcess.StartAsync(TestContext.Current.CancellationToken);
        Channel = RpcChannel.ForAddress(_orchestrator.GrpcAddress);
        WebChannel = RpcChannel.ForAddress(_orchestrator.WebAddress, new RpcChannelOptions { WireFormat = GrpcWireFormat.Web });
        AdminToken = _orchestrator.Data.ReadAdminToken();
        WorkerToken = _orchestrator.Data.ReadWorkerToken();
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        WebChannel?.Dispose();
        if (_orchestrator is not null)
        {
            await _orchestrator.DisposeAsync();
        }
    }
}
