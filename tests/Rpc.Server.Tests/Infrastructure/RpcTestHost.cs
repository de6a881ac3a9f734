using System.Net;
using DevServer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Rpc.Server.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server on loopback with two endpoints (<see cref="LoopbackHost"/>): h2c (HTTP/2 with prior
/// knowledge) for gRPC, and HTTP/1.1 for gRPC-Web as browsers speak it. Maps <see cref="TesterService"/>
/// (gRPC-Web enabled) and <see cref="PlainService"/> (gRPC only) unless told otherwise.
/// </summary>
public sealed class RpcTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RpcTestHost(WebApplication app, LogCollector logs, Uri http2Address, Uri http1Address)
    {
        _app = app;
        Logs = logs;
        Http2Address = http2Address;
        Http1Address = http1Address;
        Http2 = CreateClient(http2Address, HttpVersion.Version20);
        Http1 = CreateClient(http1Address, HttpVersion.Version11);
    }

    public Uri Http2Address { get; }

    public Uri Http1Address { get; }

    /// <summary>A client that speaks only h2c to the HTTP/2 endpoint.</summary>
    public HttpClient Http2 { get; }

    /// <summary>A client that speaks only HTTP/1.1 to the HTTP/1.1 endpoint.</summary>
    public HttpClient Http1 { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Error-level log entries the server wrote.</summary>
    public LogCollector Logs { get; }

    /// <summary>Fails with the logged errors themselves, so a failure explains itself.</summary>
    public void AssertNoErrorsLogged() =>
        Assert.True(Logs.Errors.Count == 0, "Errors were logged:\n" + string.Join("\n", Logs.Errors));

    public CallProbe Probe => _app.Services.GetRequiredService<CallProbe>();

    public static async Task<RpcTestHost> StartAsync(
        Action<RpcServerOptions>? configureRpc = null,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<WebApplication>? configureApp = null,
        Action<WebApplication>? mapServices = null)
    {
        var builder = LoopbackHost.CreateBuilder(shutdownTimeout: TimeSpan.FromSeconds(2));
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        var logs = new LogCollector();
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<CallProbe>();
        builder.Services.AddRpc(configureRpc);
        configureBuilder?.Invoke(builder);

        var app = builder.Build();
        configureApp?.Invoke(app);
        if (mapServices is null)
        {
            app.MapRpcService<TesterService>().EnableGrpcWeb();
            app.MapRpcService<PlainService>();
        }
        else
        {
            mapServices(app);
        }

        var addresses = await app.StartOnLoopbackAsync(TestContext.Current.CancellationToken);
        return new RpcTestHost(app, logs, addresses.H2c, addresses.Http1);
    }

    public async ValueTask DisposeAsync()
    {
        Probe.Release.TrySetResult();
        Http2.Dispose();
        Http1.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private static HttpClient CreateClient(Uri address, Version version) =>
        new(new SocketsHttpHandler { EnableMultipleHttp2Connections = false })
        {
            BaseAddress = address,
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
}

/// <summary>
/// Formats every server log entry (so logging bugs surface) and keeps the error-level ones, so a test can
/// assert that bad input never showed up as an unhandled exception.
/// </summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errors = new();

    public IReadOnlyCollection<string> Errors => _errors;

    public ILogger CreateLogger(string categoryName) => new CollectingLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class CollectingLogger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = formatter(state, exception);
            if (logLevel >= LogLevel.Error)
            {
                owner._errors.Enqueue($"{category}: {text} {exception}");
            }
        }
    }
}
