namespace Rpc;

/// <summary>What a server handler knows about, and can set on, the call it is serving.</summary>
public abstract class ServerCallContext
{
    /// <summary>The method path, e.g. <c>/grpc.testing.TestService/UnaryCall</c>.</summary>
    public abstract string Method { get; }

    /// <summary>The authority the client addressed.</summary>
    public abstract string Host { get; }

    /// <summary>The peer address, e.g. <c>ipv4:127.0.0.1:50123</c>.</summary>
    public abstract string Peer { get; }

    /// <summary>The call's deadline (UTC); <see cref="DateTime.MaxValue"/> when none was sent.</summary>
    public abstract DateTime Deadline { get; }

    /// <summary>Custom request metadata (transport headers removed).</summary>
    public abstract Metadata RequestHeaders { get; }

    /// <summary>Fires when the client cancels, the deadline passes or the connection drops.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>Trailers to send with the status.</summary>
    public abstract Metadata ResponseTrailers { get; }

    /// <summary>The status to send when the handler returns normally (default OK).</summary>
    public abstract Status Status { get; set; }

    /// <summary>Options for response writes.</summary>
    public abstract WriteOptions? WriteOptions { get; set; }

    /// <summary>
    /// Encoding for response messages (e.g. <c>gzip</c>), if the client accepts it; null sends uncompressed.
    /// Must be set before the response headers are sent.
    /// </summary>
    public abstract string? ResponseCompression { get; set; }

    /// <summary>State shared by interceptors and the handler for this call.</summary>
    public abstract IDictionary<object, object> UserState { get; }

    /// <summary>Sends the response headers now, with the given custom metadata; at most once.</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata responseHeaders);
}
