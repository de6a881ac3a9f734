using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

[assembly: AssemblyFixture(typeof(Rpc.Client.Tests.GrpcTestServer))]

namespace Rpc.Client.Tests;

/// <summary>
/// Real Kestrel on loopback with three endpoints: h2c (HTTP/2 only, for gRPC), HTTP/1.1 (for gRPC-Web) and TLS with
/// ALPN h2. Each test registers its own hand-written handler under a unique method name, so tests share one server
/// and still see only their own requests.
/// </summary>
public sealed class GrpcTestServer : IAsyncLifetime
{
    public const string ServiceName = "test.Test";

    private readonly ConcurrentDictionary<string, RequestDelegate> _handlers = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private int _nextId;

    /// <summary>h2c (HTTP/2 with prior knowledge).</summary>
    public Uri H2cAddress { get; private set; } = null!;

    /// <summary>HTTP/1.1 only, the way browsers reach a cleartext port.</summary>
    public Uri Http1Address { get; private set; } = null!;

    /// <summary>TLS with a self-signed certificate, HTTP/2 via ALPN.</summary>
    public Uri TlsAddress { get; private set; } = null!;

    /// <summary>The TLS endpoint's self-signed certificate, for tests that pin it.</summary>
    public X509Certificate2 Certificate { get; private set; } = null!;

    /// <summary>Registers a handler and returns its method name (unique per registration).</summary>
    public string Map(string name, RequestDelegate handler)
    {
        var method = $"{name}{Interlocked.Increment(ref _nextId)}";
        _handlers[$"/{ServiceName}/{method}"] = handler;
        return method;
    }

    /// <summary>Registers a handler for an exact request path.</summary>
    public void MapPath(string path, RequestDelegate handler) => _handlers[path] = handler;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        ListenOptions? h2c = null, http1 = null, tls = null;
        using var certificate = CreateCertificate();
        var serverCertificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), password: null);
        Certificate = serverCertificate;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                h2c = listen;
            });
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                http1 = listen;
            });
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(serverCertificate);
                tls = listen;
            });
        });
        _app = builder.Build();
        _app.Run(context =>
        {
            if (_handlers.TryGetValue(context.Request.Path.Value ?? string.Empty, out var handler))
            {
                return handler(context);
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await _app.StartAsync(TestContext.Current.CancellationToken);
        H2cAddress = new Uri($"http://127.0.0.1:{h2c!.IPEndPoint!.Port}");
        Http1Address = new Uri($"http://127.0.0.1:{http1!.IPEndPoint!.Port}");
        TlsAddress = new Uri($"https://127.0.0.1:{tls!.IPEndPoint!.Port}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        Certificate?.Dispose();
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
    }
}
