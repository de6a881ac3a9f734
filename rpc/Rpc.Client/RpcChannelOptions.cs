using System.Net.Security;
using Rpc.Wire;

namespace Rpc.Client;

/// <summary>Settings of an <see cref="RpcChannel"/>. Read once when the channel is created.</summary>
public sealed class RpcChannelOptions
{
    /// <summary>
    /// The handler that carries the calls. When null the channel creates (and owns) a <see cref="SocketsHttpHandler"/>
    /// configured from the settings below; when set, those handler settings are ignored.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/>. A created handler is always disposed.</summary>
    public bool DisposeHttpHandler { get; set; }

    /// <summary>Largest response message accepted (after decompression); null for no limit. Default 4 MiB.</summary>
    public int? MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>Largest request message sent (after compression); null for no limit. Default 4 MiB.</summary>
    public int? MaxSendMessageSize { get; set; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>The encodings the channel can compress requests with and decompress responses with.</summary>
    public CompressionProviders CompressionProviders { get; set; } = CompressionProviders.Default;

    /// <summary>gRPC over HTTP/2 (default), or gRPC-Web binary or text (for servers or proxies that only speak it).</summary>
    public GrpcWireFormat WireFormat { get; set; } = GrpcWireFormat.Grpc;

    /// <summary>The clock deadlines are measured against.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// The HTTP version requests ask for; null picks per wire format: 2.0 exact for gRPC (h2c with prior knowledge on
    /// http://, ALPN h2 on https://), 1.1 or higher for gRPC-Web.
    /// </summary>
    public Version? HttpVersion { get; set; }

    /// <summary>How strictly <see cref="HttpVersion"/> applies; null picks per wire format (see there).</summary>
    public HttpVersionPolicy? HttpVersionPolicy { get; set; }

    /// <summary>The <c>user-agent</c> header; null sends <c>rpc-dotnet/{version}</c>.</summary>
    public string? UserAgent { get; set; }

    /// <summary>
    /// After this long without a frame from the server, a created handler sends an HTTP/2 PING. Default 5 minutes:
    /// gRPC servers in C, Go and Java (by default) answer pings more frequent than that on a quiet connection with
    /// GOAWAY <c>too_many_pings</c>, so go lower only against servers that permit it (Kestrel does).
    /// </summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a created handler waits for a PING's acknowledgement before closing the connection.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>When a created handler pings: only while calls are in flight (default) or always.</summary>
    public HttpKeepAlivePingPolicy KeepAlivePingPolicy { get; set; } = HttpKeepAlivePingPolicy.WithActiveRequests;

    /// <summary>How long a created handler keeps an idle connection open. Default 5 minutes.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a created handler tries to establish a connection. Default: no limit beyond the call's deadline.</summary>
    public TimeSpan ConnectTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Validates the server certificate for a created handler (e.g. to accept a test's self-signed certificate);
    /// null uses the system's validation.
    /// </summary>
    public RemoteCertificateValidationCallback? ServerCertificateCustomValidationCallback { get; set; }
}
