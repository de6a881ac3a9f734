using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Rpc.Client;
using Rpc.Server;
using Rpc.Wire;

namespace Rpc.Health.Tests;

/// <summary>
/// Real Kestrel on 127.0.0.1 (<see cref="LoopbackHost"/>: h2c for gRPC, HTTP/1.1 for gRPC-Web), serving only the
/// health service, plus clients of our own runtime for both. One host per test: the health table is state.
/// </summary>
internal sealed class HealthTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RpcChannel _channel;
    private readonly RpcChannel _webChannel;

    private HealthTestHost(WebApplication app, Uri h2c, Uri http1)
    {
        _app = app;
        _channel = RpcChannel.ForAddress(h2c);
        _webChannel = RpcChannel.ForAddress(http1, new RpcChannelOptions { WireFormat = GrpcWireFormat.Web });
        Client = new V1.Health.HealthClient(_channel);
        WebClient = new V1.Health.HealthClient(_webChannel);
    }

    public HealthServiceImpl Health => _app.Services.GetRequiredService<HealthServiceImpl>();

    public V1.Health.HealthClient Client { get; }

    public V1.Health.HealthClient WebClient { get; }

    public static async Task<HealthTestHost> StartAsync()
    {
        // A watch the service failed to end would hold the shutdown for this long, and fail the stop test.
        var builder = LoopbackHost.CreateBuilder(shutdownTimeout: TimeSpan.FromSeconds(20));
        builder.Services.AddRpc();
        builder.Services.AddRpcHealthChecks();

        var app = builder.Build();
        app.MapRpcHealthService().EnableGrpcWeb();
        var addresses = await app.StartOnLoopbackAsync(TestContext.Current.CancellationToken);
        return new HealthTestHost(app, addresses.H2c, addresses.Http1);
    }

    /// <summary>Stops the server the way a host does (ApplicationStopping first), without disposing it.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        _webChannel.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
