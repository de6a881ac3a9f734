using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rpc.Client;
using Rpc.Server;
using Rpc.Wire;

namespace Rpc.Health.Tests;

/// <summary>
/// Real Kestrel on 127.0.0.1 with an h2c endpoint (gRPC) and an HTTP/1.1 endpoint (gRPC-Web), serving only the
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
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        // A watch the service failed to end would hold the shutdown for this long, and fail the stop test.
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.AddRpc();
        builder.Services.AddRpcHealthChecks();

        var app = builder.Build();
        app.MapRpcHealthService().EnableGrpcWeb();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.ToArray();
        // Listed in configuration order: h2c first, HTTP/1.1 second.
        return new HealthTestHost(app, new Uri(addresses[0]), new Uri(addresses[1]));
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
