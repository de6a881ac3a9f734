using System.Collections.Concurrent;
using DevServer.Orchestrator.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rpc.Health;
using Rpc.Server;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>
/// The orchestrator's web side in-process on real Kestrel: its two endpoints (ports 0), the health service with
/// gRPC-Web as Program.cs maps it, and the dashboard exactly as Program.cs maps it. No database: serving files needs none.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, Uri web, CapturedLogs logs)
    {
        _app = app;
        WebAddress = web;
        Logs = logs;
        // No automatic decompression: the tests read Content-Encoding and the bytes as sent.
        Http = new HttpClient { BaseAddress = web };
    }

    /// <summary>The HTTP/1.1 endpoint (gRPC-Web and the dashboard).</summary>
    public Uri WebAddress { get; }

    public HttpClient Http { get; }

    public CapturedLogs Logs { get; }

    /// <param name="distPath">Orchestrator:Web:DistPath, or null to leave it unset.</param>
    /// <param name="baseDirectory">Where the default folders are looked for (the program's folder in production).</param>
    /// <param name="cancellationToken">Stops the start.</param>
    public static async Task<DashboardHost> StartAsync(string? distPath, string baseDirectory, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ContentRootPath = baseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orchestrator:Endpoints:GrpcPort"] = "0",
            ["Orchestrator:Endpoints:WebPort"] = "0",
            ["Orchestrator:Web:DistPath"] = distPath,
        });
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.AddOrchestratorEndpoints();
        builder.Services.AddRpc();
        builder.Services.AddRpcHealthChecks();
        var app = builder.Build();
        app.MapRpcHealthService().EnableGrpcWeb();
        app.MapDashboard(baseDirectory);
        await app.StartAsync(cancellationToken);
        var web = app.Services.GetRequiredService<EndpointsHosting.BoundEndpoints>().Web?.IPEndPoint
            ?? throw new InvalidOperationException("The web endpoint is not bound.");
        return new DashboardHost(app, new Uri($"http://{web}"), logs);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    /// <summary>Every log entry the host wrote, as level and message.</summary>
    internal sealed class CapturedLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

        public IReadOnlyList<(LogLevel Level, string Message)> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Logger(_entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(LogLevel Level, string Message)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
