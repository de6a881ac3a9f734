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

namespace DevServer.Testing;

/// <summary>The two endpoints of a <see cref="LoopbackHost"/>, with the ports the OS chose.</summary>
/// <param name="H2c">HTTP/2 with prior knowledge, for gRPC, e.g. <c>http://127.0.0.1:50123</c>.</param>
/// <param name="Http1">HTTP/1.1, for gRPC-Web the way browsers reach a cleartext port.</param>
public sealed record LoopbackAddresses(Uri H2c, Uri Http1);

/// <summary>
/// Real Kestrel for in-process server tests: 127.0.0.1, port 0, an h2c endpoint and an HTTP/1.1 endpoint (a
/// cleartext port cannot negotiate HTTP/2, so gRPC and browser-style gRPC-Web need one each).
/// </summary>
public static class LoopbackHost
{
    /// <summary>A slim builder without log providers whose Kestrel listens on the two loopback endpoints.</summary>
    /// <param name="shutdownTimeout">How long a stop waits for running calls before it gives up on them.</param>
    public static WebApplicationBuilder CreateBuilder(TimeSpan shutdownTimeout)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = shutdownTimeout);
        return builder;
    }

    /// <summary>
    /// <see cref="StartOnLoopbackAsync"/> for a test host that owns the app and <paramref name="owned"/> (its data
    /// folder): when the start fails, both are disposed before the failure goes on, so a failed host leaves nothing behind.
    /// </summary>
    public static async Task<LoopbackAddresses> StartOnLoopbackOrDisposeAsync(this WebApplication app, IDisposable owned, CancellationToken cancellationToken)
    {
        try
        {
            return await app.StartOnLoopbackAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            owned.Dispose();
            throw;
        }
    }

    /// <summary>Starts an app built from <see cref="CreateBuilder"/> and returns where it listens.</summary>
    public static async Task<LoopbackAddresses> StartOnLoopbackAsync(this WebApplication app, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.ToArray();
        // Listed in configuration order: h2c first, HTTP/1.1 second.
        return new LoopbackAddresses(new Uri(addresses[0]), new Uri(addresses[1]));
    }
}
