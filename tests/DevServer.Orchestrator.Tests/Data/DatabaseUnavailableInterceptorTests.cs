using System.Net.Sockets;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Orchestrator.Data;
using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rpc;
using Rpc.Client;
using Rpc.Server;

namespace DevServer.Orchestrator.Tests.Data;

/// <summary>
/// The interceptor on real Kestrel, the way AddDatabase registers it, in front of stand-in services that fail the way
/// Npgsql fails: a number in the request (the task id, the position) picks the failure.
/// </summary>
public sealed class DatabaseUnavailableInterceptorTests : IAsyncLifetime
{
    private const int TimeoutMs = 30_000;

    private WebApplication? _app;
    private RpcChannel? _channel;

    public static TheoryData<long, StatusCode> Failures => new()
    {
        { Failure.ConnectionRefused, StatusCode.Unavailable },
        { Failure.ServerStartingUp, StatusCode.Unavailable },
        { Failure.ServerShutDown, StatusCode.Unavailable },
        { Failure.ServerCrashed, StatusCode.Unavailable },
        { Failure.UndefinedTable, StatusCode.Unknown },
        { Failure.None, StatusCode.OK },
    };

    public async ValueTask InitializeAsync()
    {
        var builder = LoopbackHost.CreateBuilder(TimeSpan.FromSeconds(2));
        builder.Services.AddRpc();
        builder.Services.AddSingleton<DatabaseUnavailableInterceptor>();
        builder.Services.Configure<RpcServerOptions>(options => options.Interceptors.Add<DatabaseUnavailableInterceptor>());
        _app = builder.Build();
        _app.MapRpcService<FailingTasks>();
        _app.MapRpcService<FailingEvents>();
        var addresses = await _app.StartOnLoopbackAsync(TestContext.Current.CancellationToken);
        _channel = RpcChannel.ForAddress(addresses.H2c);
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(Failures))]
    public async Task Unary_TheDatabaseFailure_DecidesTheStatus(long failure, StatusCode expected)
    {
        var client = new TaskService.TaskServiceClient(_channel!);

        var status = await StatusOfAsync(async () => await client.GetTaskAsync(new GetTaskRequest { Id = failure }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(expected, status.StatusCode);
        if (expected == StatusCode.Unavailable)
        {
            Assert.Equal("the database cannot be reached; try again shortly", status.Detail);
        }
    }

    [Theory(Timeout = TimeoutMs)]
    [MemberData(nameof(Failures))]
    public async Task ServerStreaming_AFailureAfterTheFirstMessage_DecidesTheStatus(long failure, StatusCode expected)
    {
        var ct = TestContext.Current.CancellationToken;
        using var call = new EventService.EventServiceClient(_channel!).WatchEvents(new WatchEventsRequest { AfterPosition = failure }, cancellationToken: ct);

        Assert.True(await call.ResponseStream.MoveNext(ct));
        var status = await StatusOfAsync(async () =>
        {
            while (await call.ResponseStream.MoveNext(ct))
            {
            }
        });

        Assert.Equal(expected, status.StatusCode);
    }

    private static async Task<Status> StatusOfAsync(Func<Task> call)
    {
        try
        {
            await call();
            return Status.DefaultSuccess;
        }
        catch (RpcException exception)
        {
            return exception.Status;
        }
    }

    private static class Failure
    {
        public const long None = 0;
        public const long ConnectionRefused = 1;
        public const long ServerStartingUp = 2;
        public const long ServerShutDown = 3;
        public const long ServerCrashed = 4;
        public const long UndefinedTable = 5;

        public static void ThrowIfAny(long failure)
        {
            NpgsqlException? exception = failure switch
            {
                ConnectionRefused => new NpgsqlException("Failed to connect to /run/postgres/.s.PGSQL.5432", new SocketException((int)SocketError.ConnectionRefused)),
                ServerStartingUp => new PostgresException("the database system is starting up", "FATAL", "FATAL", PostgresErrorCodes.CannotConnectNow),
                ServerShutDown => new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown),
                ServerCrashed => new PostgresException("terminating connection due to unexpected postmaster exit", "FATAL", "FATAL", PostgresErrorCodes.CrashShutdown),
                UndefinedTable => new PostgresException("relation \"tasks\" does not exist", "ERROR", "ERROR", PostgresErrorCodes.UndefinedTable),
                _ => null,
            };
            if (exception is not null)
            {
                throw exception;
            }
        }
    }

    private sealed class FailingTasks : TaskService.TaskServiceBase
    {
        public override Task<GetTaskResponse> GetTask(GetTaskRequest request, ServerCallContext context)
        {
            Failure.ThrowIfAny(request.Id);
            return Task.FromResult(new GetTaskResponse { Task = new AgentTask { Id = request.Id } });
        }
    }

    private sealed class FailingEvents : EventService.EventServiceBase
    {
        public override async Task WatchEvents(WatchEventsRequest request, IServerStreamWriter<WatchEventsResponse> responseStream, ServerCallContext context)
        {
            await responseStream.WriteAsync(new WatchEventsResponse { Event = new TaskEvent { TaskId = request.AfterPosition } }, context.CancellationToken);
            Failure.ThrowIfAny(request.AfterPosition);
        }
    }
}
