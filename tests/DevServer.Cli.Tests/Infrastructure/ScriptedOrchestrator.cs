using System.Collections.Concurrent;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Testing;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Rpc;
using Rpc.Health;
using Rpc.Server;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli.Tests.Infrastructure;

/// <summary>
/// A gRPC peer on loopback Kestrel that serves the orchestrator's API from a script (the state below), so the CLI's
/// calls, output and stream handling can be checked before and beside the real orchestrator. It records the
/// authorization header and every WatchTaskEvents request it gets.
/// </summary>
internal sealed class ScriptedOrchestrator : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedOrchestrator(WebApplication app, Uri address, Script script)
    {
        _app = app;
        Address = address;
        State = script;
    }

    public Uri Address { get; }

    public Script State { get; }

    public string ServerOption => Address.ToString().TrimEnd('/');

    /// <summary>Its grpc.health.v1.Health: SERVING for the whole server until a test says otherwise.</summary>
    public HealthServiceImpl Health => _app.Services.GetRequiredService<HealthServiceImpl>();

    public static async Task<ScriptedOrchestrator> StartAsync()
    {
        var builder = LoopbackHost.CreateBuilder(shutdownTimeout: TimeSpan.FromSeconds(5));
        var script = new Script();
        builder.Services.AddSingleton(script);
        builder.Services.AddRpc();
        builder.Services.AddRpcHealthChecks();
        var app = builder.Build();
        app.MapRpcHealthService();
        app.MapRpcService<Tasks>();
        app.MapRpcService<Events>();
        app.MapRpcService<Repositories>();
        app.MapRpcService<Queue>();
        var addresses = await app.StartOnLoopbackAsync(TestContext.Current.CancellationToken);
        return new ScriptedOrchestrator(app, addresses.H2c, script);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>What the peer answers.</summary>
    internal sealed class Script
    {
        private int _watchCalls;

        /// <summary>Tasks by id; GetTask answers NOT_FOUND for others.</summary>
        public ConcurrentDictionary<long, GetTaskResponse> Tasks { get; } = new();

        public ListTasksResponse TaskPage { get; set; } = new();

        public ListRepositoriesResponse Repositories { get; set; } = new();

        public GetTaskPatchResponse? Patch { get; set; }

        /// <summary>The create, add and update requests received, as sent.</summary>
        public ConcurrentQueue<IMessage> Received { get; } = new();

        /// <summary>One handler per WatchTaskEvents call, in order; the last one serves any later calls.</summary>
        public List<Func<WatchTaskEventsRequest, IServerStreamWriter<WatchTaskEventsResponse>, ServerCallContext, Task>> Watches { get; } = [];

        public ConcurrentQueue<WatchTaskEventsRequest> WatchRequests { get; } = new();

        /// <summary>The handler for the next WatchTaskEvents call (services are created per call, so the count lives here).</summary>
        public Func<WatchTaskEventsRequest, IServerStreamWriter<WatchTaskEventsResponse>, ServerCallContext, Task> NextWatch()
        {
            var call = Interlocked.Increment(ref _watchCalls) - 1;
            return Watches[Math.Min(call, Watches.Count - 1)];
        }

        public ConcurrentQueue<string?> Authorizations { get; } = new();

        /// <summary>When set, every call fails with UNAUTHENTICATED unless it carries <c>Bearer {RequiredToken}</c>.</summary>
        public string? RequiredToken { get; set; }

        public ListTaskEventsResponse EventPage { get; set; } = new();

        /// <summary>GetQueue answers only when the call ends (its deadline or a cancellation): an orchestrator whose database hangs.</summary>
        public bool QueueHangs { get; set; }

        public void Authorize(ServerCallContext context)
        {
            var header = context.RequestHeaders.GetValue("authorization");
            Authorizations.Enqueue(header);
            if (RequiredToken is not null && header != "Bearer " + RequiredToken)
            {
                throw new RpcException(new Status(StatusCode.Unauthenticated, "A valid bearer token is required."));
            }
        }
    }

    private sealed class Tasks(Script script) : TaskService.TaskServiceBase
    {
        public override Task<GetTaskResponse> GetTask(GetTaskRequest request, ServerCallContext context)
        {
            script.Authorize(context);
            return script.Tasks.TryGetValue(request.Id, out var task)
                ? Task.FromResult(task.Clone())
                : throw new RpcException(new Status(StatusCode.NotFound, $"Task {request.Id} does not exist."));
        }

        public override Task<ListTasksResponse> ListTasks(ListTasksRequest request, ServerCallContext context)
        {
            script.Authorize(context);
            return Task.FromResult(script.TaskPage);
        }

        public override Task<CreateTaskResponse> CreateTask(CreateTaskRequest request, ServerCallContext context)
        {
            script.Authorize(context);
            script.Received.Enqueue(request);
            return Task.FromResult(new CreateTaskResponse
            {
                Task = new AgentTask { Id = 8, Title = request.Title, Status = TaskStatus.Queued, DeliveryFlow = request.DeliveryFlow },
            });
        }

        public override Task<GetTaskPatchResponse> GetTaskPatch(GetTaskPatchRequest request, ServerCallContext context)
        {
            script.Authorize(context);
            return script.Patch is { } patch
                ? Task.FromResult(patch)
                : throw new RpcException(new Status(StatusCode.FailedPrecondition, "No attempt produced work yet."));
        }
    }

    private sealed class Events(Script script) : EventService.EventServiceBase
    {
        public override Task WatchTaskEvents(WatchTaskEventsRequest request, IServerStreamWriter<WatchTaskEventsResponse> responseStream, ServerCallContext context)
        {
            script.Authorize(context);
            script.WatchRequests.Enqueue(request);
            return script.NextWatch()(request, responseStream, context);
        }

        public override Task<ListTaskEventsResponse> ListTaskEvents(ListTaskEventsRequest request, ServerCallContext context)
        {
            script.Authorize(context);
            return Task.FromResult(script.EventPage);
        }
    }

    private sealed class Repositories(Script script) : RepositoryService.RepositoryServiceBase
    {
        public override Task<ListRepositoriesResponse> ListRepositories(ListRepositoriesRequest request, ServerCallContext context)
        {
            script.Authorize(context);
            return Task.FromResult(script.Repositories);
        }

        public override Task<AddRepositoryResponse> AddRepository(AddRepositoryRequest request, ServerCallContext context)
        {
            script.Authorize(context);
            script.Received.Enqueue(request);
            return Task.FromResult(new AddRepositoryResponse { Repository = new Repository { Id = 3, Name = request.Name, Delivery = request.Delivery } });
        }

        public override Task<GetRepositoryResponse> GetRepository(GetRepositoryRequest request, ServerCallContext context)
        {
            script.Authorize(context);
            return script.Repositories.Repositories.FirstOrDefault(r => r.Name == request.Repository) is { } repository
                ? Task.FromResult(new GetRepositoryResponse { Repository = repository })
                : throw new RpcException(new Status(StatusCode.NotFound, $"Repository '{request.Repository}' does not exist."));
        }

        public override Task<UpdateRepositoryResponse> UpdateRepository(UpdateRepositoryRequest request, ServerCallContext context)
        {
            script.Authorize(context);
            script.Received.Enqueue(request);
            return Task.FromResult(new UpdateRepositoryResponse { Repository = new Repository { Id = 3, Name = request.Repository } });
        }
    }

    private sealed class Queue(Script script) : QueueService.QueueServiceBase
    {
        public override async Task<GetQueueResponse> GetQueue(GetQueueRequest request, ServerCallContext context)
        {
            script.Authorize(context);
            if (script.QueueHangs)
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }

            return new GetQueueResponse { Queue = new QueueState { MaxConcurrency = 2, Queued = 3, Active = 1 } };
        }
    }
}
