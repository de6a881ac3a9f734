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
using Rpc.Server;

namespace DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;

/// <summary>
/// Serves a <see cref="MeshDouble"/> with our server on real Kestrel: h2c on 127.0.0.1, port 0 or a given port (to
/// restart "the orchestrator" where its workers expect it).
/// </summary>
public sealed class MeshDoubleServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private MeshDoubleServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public Uri Address { get; }

    public static async Task<MeshDoubleServer> StartAsync(MeshDouble mesh, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        // Open worker streams must not hold up a stop: it plays an orchestrator going away.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.Services.AddSingleton(mesh);
        builder.Services.AddRpc();

        var app = builder.Build();
        app.MapRpcService<MeshDoubleService>();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new MeshDoubleServer(app, new Uri(address));
    }

    /// <summary>Stops serving (open streams end) and frees the port.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
