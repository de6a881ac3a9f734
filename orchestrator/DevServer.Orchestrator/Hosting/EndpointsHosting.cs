using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Hosting;

internal static partial class EndpointsHosting
{
    /// <summary>
    /// Two Kestrel endpoints: h2c for gRPC (a cleartext port cannot negotiate HTTP/2, so it speaks HTTP/2 only) and
    /// HTTP/1.1 for gRPC-Web, which is what browsers use on a cleartext port.
    /// </summary>
    public static WebApplicationBuilder AddOrchestratorEndpoints(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(EndpointsOptions.Section);
        builder.Services.AddOptions<EndpointsOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        // Kestrel reads the ports while the host is built, before ValidateOnStart runs: validate here so a bad
        // setting is reported by name instead of as an exception from inside Kestrel.
        var options = section.Get<EndpointsOptions>() ?? new EndpointsOptions();
        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true))
        {
            throw new OptionsValidationException(
                EndpointsOptions.Section,
                typeof(EndpointsOptions),
                errors.Select(e => $"{EndpointsOptions.Section}: {e.ErrorMessage}"));
        }

        var address = options.ParseListenAddress();
        var bound = new BoundEndpoints();
        builder.Services.AddSingleton(bound);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, options.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                bound.Grpc = listen;
            });
            kestrel.Listen(address, options.WebPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                bound.Web = listen;
            });
        });
        return builder;
    }

    /// <summary>Prints the bound addresses once the server is up (a configured port 0 is chosen by the OS).</summary>
    public static WebApplication LogEndpointsOnStart(this WebApplication app)
    {
        var bound = app.Services.GetRequiredService<BoundEndpoints>();
        app.Lifetime.ApplicationStarted.Register(() => LogListening(app.Logger, BoundEndpoints.Url(bound.Grpc), BoundEndpoints.Url(bound.Web)));
        return app;
    }

    [LoggerMessage(1, LogLevel.Information, "DevServer orchestrator: gRPC (h2c) on {GrpcUrl}, gRPC-Web on {WebUrl}")]
    private static partial void LogListening(ILogger logger, string grpcUrl, string webUrl);

    /// <summary>The listen options Kestrel bound; after start-up they carry the real ports.</summary>
    internal sealed class BoundEndpoints
    {
        public ListenOptions? Grpc { get; set; }

        public ListenOptions? Web { get; set; }

        public static string Url(ListenOptions? listen) => listen?.IPEndPoint is { } endpoint ? $"http://{endpoint}" : "(not bound)";
    }
}
