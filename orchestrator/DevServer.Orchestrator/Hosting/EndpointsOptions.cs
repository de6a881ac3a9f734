using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Hosting;

/// <summary>Where the orchestrator listens (section <c>Orchestrator:Endpoints</c>).</summary>
internal sealed class EndpointsOptions
{
    public const string Section = "Orchestrator:Endpoints";

    /// <summary>The address both endpoints bind to; loopback unless the operator opens it up.</summary>
    [Required]
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>gRPC over HTTP/2 cleartext (prior knowledge): workers, the CLI, gRPC tools. 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int GrpcPort { get; set; } = 5180;

    /// <summary>gRPC-Web over HTTP/1.1: the browser dashboard. 0 picks a free port.</summary>
    [Range(0, 65535)]
    public int WebPort { get; set; } = 5181;

    public IPAddress ParseListenAddress() =>
        IPAddress.TryParse(ListenAddress, out var address)
            ? address
            : throw new OptionsValidationException(Section, typeof(EndpointsOptions), [$"ListenAddress '{ListenAddress}' is not an IP address."]);
}
