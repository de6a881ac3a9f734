using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Auth;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Rpc;
using Rpc.Client;
using Rpc.Health;
using Rpc.Server;

namespace DevServer.Orchestrator.Tests.Auth;

/// <summary>
/// Real Kestrel with the orchestrator's AddDatabase (an external database from the fixture) and AddApiAuthentication,
/// serving health and stand-ins for a task, an event and the mesh service that only report who called them. The clock
/// is manual, so token-cache expiry is under the test's control.
/// </summary>
public sealed class AuthenticatedHost(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly TestDirectory _data = new();
    private WebApplication? _app;

    internal ManualTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));

    public RpcChannel Channel { get; private set; } = null!;

    public string AdminToken { get; private set; } = "";

    public string WorkerToken { get; private set; } = "";

    internal ApiTokenStore Store => _app!.Services.GetRequiredService<ApiTokenStore>();

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = InProcessOrchestrator.CreateBuilder(_data.Path, await postgres.CreateDatabaseAsync(ct));
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.AddDatabase();
        builder.AddApiAuthentication();
        builder.Services.AddRpc();
        builder.Services.AddRpcHealthChecks();
        _app = builder.Build();
        _app.MapRpcHealthService();
        _app.MapRpcService<TasksStandIn>();
        _app.MapRpcService<EventsStandIn>();
        _app.MapRpcService<MeshStandIn>();
        var addresses = await _app.StartOnLoopbackAsync(ct);
        Channel = RpcChannel.ForAddress(addresses.H2c);
        (AdminToken, WorkerToken) = await InProcessOrchestrator.ReadTokensAsync(_data.Path, ct);
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        _data.Dispose();
    }

    /// <summary>Answers with the caller's role in the task's title.</summary>
    private sealed class TasksStandIn : TaskService.TaskServiceBase
    {
        public override Task<GetTaskResponse> GetTask(GetTaskRequest request, ServerCallContext context) =>
            Task.FromResult(new GetTaskResponse { Task = new AgentTask { Title = context.GetApiCaller().Role.ToString() } });
    }

    /// <summary>Streams one event whose task id is the caller's token id.</summary>
    private sealed class EventsStandIn : EventService.EventServiceBase
    {
        public override Task WatchEvents(WatchEventsRequest request, IServerStreamWriter<WatchEventsResponse> responseStream, ServerCallContext context) =>
            responseStream.WriteAsync(new WatchEventsResponse { Event = new TaskEvent { TaskId = context.GetApiCaller().TokenId } }, context.CancellationToken);
    }

    /// <summary>Answers the first message with a Welcome naming the caller's role.</summary>
    private sealed class MeshStandIn : MeshService.MeshServiceBase
    {
        public override async Task Connect(IAsyncStreamReader<ConnectRequest> requestStream, IServerStreamWriter<ConnectResponse> responseStream, ServerCallContext context)
        {
            if (await requestStream.MoveNext(context.CancellationToken))
            {
                await responseStream.WriteAsync(new ConnectResponse { Welcome = new Welcome { WorkerId = context.GetApiCaller().Role.ToString() } }, context.CancellationToken);
            }
        }
    }
}
