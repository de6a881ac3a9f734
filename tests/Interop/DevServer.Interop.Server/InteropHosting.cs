using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Rpc.Health;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;
using ServingStatus = Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace DevServer.Interop.Server;

/// <summary>The two loopback endpoints; their ports are known once the server has started.</summary>
internal sealed class InteropEndpoints
{
    public ListenOptions? Grpc { get; set; }

    public ListenOptions? Web { get; set; }

    // Kestrel replaces the endpoint with the bound one, so port 0 reads back as the port it picked.
    public string ReadyLine => $"listening on {Port(Grpc)} web {Port(Web)}";

    private static int Port(ListenOptions? listen) =>
        listen?.IPEndPoint?.Port ?? throw new InvalidOperationException("The server has not bound its endpoints yet.");
}

internal static partial class InteropHosting
{
    /// <summary>
    /// h2c (HTTP/2 with prior knowledge) for gRPC and HTTP/1.1 for gRPC-Web: on a cleartext port Kestrel cannot
    /// offer both, and gRPC-Web clients (browsers, connect's Node transport here) speak HTTP/1.1.
    /// </summary>
    public static InteropEndpoints ListenForInterop(this IWebHostBuilder webHost, ServerFlags flags)
    {
        var endpoints = new InteropEndpoints();
        webHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, flags.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                endpoints.Grpc = listen;
            });
            kestrel.Listen(IPAddress.Loopback, flags.WebPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                endpoints.Web = listen;
            });
        });
        return endpoints;
    }

    /// <summary>
    /// Logs go to stderr, one line each, so stdout carries only the ready line the tests wait for. The runtime logs
    /// every call that ends without OK (at Debug): the tests show the end of this log when a case fails.
    /// </summary>
    public static ILoggingBuilder AddStandardErrorConsole(this ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.AddSimpleConsole(console => console.SingleLine = true);
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddFilter("Rpc", LogLevel.Debug);
        return logging;
    }

    /// <summary>Reports the service SERVING on the health service (the server as a whole starts SERVING).</summary>
    public static void MarkServing(this WebApplication app, ServiceDescriptor service) =>
        app.Services.GetRequiredService<HealthServiceImpl>().SetStatus(service.FullName, ServingStatus.Serving);

    /// <summary>Runs until Ctrl+C/SIGTERM, or until <paramref name="maxRunTime"/> has passed.</summary>
    public static async Task RunUntilShutdownAsync(this WebApplication app, TimeSpan maxRunTime)
    {
        var lifetime = app.Lifetime;
        var logger = app.Logger;
        using var watchdog = app.Services.GetRequiredService<TimeProvider>().CreateTimer(
            _ =>
            {
                LogMaxRunTimeReached(logger, maxRunTime);
                lifetime.StopApplication();
            },
            null,
            maxRunTime,
            Timeout.InfiniteTimeSpan);
        await app.WaitForShutdownAsync();
    }

    [LoggerMessage(1, LogLevel.Warning, "Stopping after the maximum run time of {MaxRunTime} (--max_seconds).")]
    private static partial void LogMaxRunTimeReached(ILogger logger, TimeSpan maxRunTime);
}
