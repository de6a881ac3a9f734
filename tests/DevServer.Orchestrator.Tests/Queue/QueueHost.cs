using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Settings.V1;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Hosting;
using DevServer.Orchestrator.Queue;
using DevServer.Orchestrator.Scheduling;
using DevServer.Orchestrator.Secrets;
using DevServer.Orchestrator.Settings;
using DevServer.Orchestrator.Tasks;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Rpc.Client;
using Rpc.Server;

namespace DevServer.Orchestrator.Tests.Queue;

/// <summary>
/// One orchestrator instance in-process, reduced to the queue and settings services on real Kestrel: the orchestrator's
/// own AddDatabase (a database of the fixture, which several hosts may share, as instances of one cluster do), AddEvents
/// and AddQueue, so a test can look at its <see cref="QueueChanges"/>. No dispatching and no authentication: the
/// dispatcher is registered (UpdateQueue asks it for a round) but never started.
/// </summary>
internal sealed class QueueHost : IAsyncDisposable
{
    private readonly TestDirectory _data;
    private readonly WebApplication _app;

    private QueueHost(TestDirectory data, WebApplication app, RpcChannel channel)
    {
        _data = data;
        _app = app;
        Channel = channel;
    }

    public RpcChannel Channel { get; }

    public QueueService.QueueServiceClient Queue => new(Channel);

    public SettingsService.SettingsServiceClient Settings => new(Channel);

    public QueueChanges Changes => _app.Services.GetRequiredService<QueueChanges>();

    public static async Task<QueueHost> StartAsync(string connectionString, CancellationToken cancellationToken)
    {
        var data = new TestDirectory();
        var builder = InProcessOrchestrator.CreateBuilder(data.Path, connectionString);
        builder.AddDatabase();
        builder.AddSecrets();
        builder.AddEvents();
        builder.AddQueue();
        builder.Services.AddSingleton<TaskTransitions>();
        // Only for the dispatcher's constructor: nothing asks it for a scheduler, so none is made or started.
        builder.Services.AddQuartz();
        builder.Services.AddSingleton<Dispatcher>();
        builder.Services.AddSingleton<DispatchRequests>();
        builder.Services.AddRpc();
        var app = builder.Build();
        app.MapRpcService<QueueApi>();
        app.MapRpcService<SettingsApi>();
        var addresses = await app.StartOnLoopbackOrDisposeAsync(data, cancellationToken);
        return new QueueHost(data, app, RpcChannel.ForAddress(addresses.H2c));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _data.Dispose();
    }
}
