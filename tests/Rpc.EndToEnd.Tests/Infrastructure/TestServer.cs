using System.Net;
using System.Security.Cryptography.X509Certificates;
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

namespace Rpc.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Our server on real Kestrel: one endpoint on 127.0.0.1, port 0, serving <see cref="EndToEndTestService"/>. By default
/// HTTP/2 only: h2c, or TLS with ALPN h2 when a certificate is given.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary><c>http://127.0.0.1:port</c>, or <c>https://…</c> with a certificate.</summary>
    public Uri Address { get; }

    /// <summary>What the service's handlers saw; lets a test hold calls open and release them.</summary>
    public ServiceProbe Probe => _app.Services.GetRequiredService<ServiceProbe>();

    public static async Task<TestServer> StartAsync(
        Action<RpcServerOptions>? configureRpc = null,
        Action<KestrelServerOptions>? configureKestrel = null,
        X509Certificate2? certificate = null,
        HttpProtocols protocols = HttpProtocols.Http2,
        bool grpcWeb = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            configureKestrel?.Invoke(kestrel);
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = protocols;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });
        // A held call must not keep a stopping test waiting.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddSingleton<ServiceProbe>();
        builder.Services.AddRpc(configureRpc);

        var app = builder.Build();
        var service = app.MapRpcService<EndToEndTestService>();
        if (grpcWeb)
        {
            service.EnableGrpcWeb();
        }

        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new TestServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Probe.Release();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
