using DevServer.Contracts.Analytics.V1;
using DevServer.Orchestrator.Analytics;
using DevServer.Orchestrator.Auth;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Rpc.Client;
using Rpc.Server;

namespace DevServer.Orchestrator.Tests.Analytics;

/// <summary>
/// Real Kestrel serving the orchestrator's <see cref="AnalyticsApi"/> behind its real authentication, on a fresh database
/// of its own (so the figures are exactly what the test seeded) and a manual clock (so "today" is fixed). Tests seed
/// back-dated tasks and attempts with <see cref="AnalyticsSeed"/>, because nothing else can write finish times in the past.
/// </summary>
internal sealed class AnalyticsHost : IAsyncDisposable
{
    private readonly TestDirectory _data = new();
    private WebApplication? _app;

    private AnalyticsHost(DateTimeOffset now) => Clock = new ManualTimeProvider(now);

    public ManualTimeProvider Clock { get; }

    public RpcChannel Channel { get; private set; } = null!;

    /// <summary>gRPC-Web over HTTP/1.1, the way the dashboard calls.</summary>
    public RpcChannel WebChannel { get; private set; } = null!;

    public string AdminToken { get; private set; } = "";

    public string WorkerToken { get; private set; } = "";

    public AnalyticsService.AnalyticsServiceClient Client => new(Channel.CreateCallInvoker().WithBearerToken(AdminToken));

    public AnalyticsSeed Seed { get; private set; } = null!;

    public static async Task<AnalyticsHost> StartAsync(PostgresFixture postgres, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var host = new AnalyticsHost(now);
        try
        {
            await host.InitializeAsync(postgres, cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel?.Dispose();
        WebChannel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        _data.Dispose();
    }

    private async Task InitializeAsync(PostgresFixture postgres, CancellationToken cancellationToken)
    {
        var builder = InProcessOrchestrator.CreateBuilder(_data.Path, await postgres.CreateDatabaseAsync(cancellationToken));
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.AddDatabase();
        builder.AddApiAuthentication();
        builder.Services.AddRpc();
        _app = builder.Build();
        _app.MapRpcService<AnalyticsApi>().EnableGrpcWeb();
        var addresses = await _app.StartOnLoopbackAsync(cancellationToken);
        Channel = RpcChannel.ForAddress(addresses.H2c);
        WebChannel = RpcChannel.ForAddress(addresses.Http1, new RpcChannelOptions { WireFormat = Rpc.Wire.GrpcWireFormat.Web });
        (AdminToken, WorkerToken) = await InProcessOrchestrator.ReadTokensAsync(_data.Path, cancellationToken);
        Seed = new AnalyticsSeed(_app.Services.GetRequiredService<NpgsqlDataSource>());
        await Seed.AddRepositoryAsync(cancellationToken);
    }
}
