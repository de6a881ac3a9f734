using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Rpc.Server;

public static class RpcKestrelExtensions
{
    /// <summary>The keep-alive ping delay <see cref="ConfigureRpcDefaults"/> uses when none is given.</summary>
    public static readonly TimeSpan DefaultKeepAlivePingDelay = TimeSpan.FromSeconds(30);

    /// <summary>The keep-alive ping timeout <see cref="ConfigureRpcDefaults"/> uses when none is given.</summary>
    public static readonly TimeSpan DefaultKeepAlivePingTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Turns on HTTP/2 keep-alive pings (Kestrel's default never pings), so a long-lived stream to a peer that
    /// vanished without closing its connection is torn down instead of hanging: after
    /// <paramref name="keepAlivePingDelay"/> without any frame Kestrel sends a PING and closes the connection
    /// if no acknowledgement comes within <paramref name="keepAlivePingTimeout"/>.
    /// </summary>
    public static KestrelServerOptions ConfigureRpcDefaults(
        this KestrelServerOptions options,
        TimeSpan? keepAlivePingDelay = null,
        TimeSpan? keepAlivePingTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Limits.Http2.KeepAlivePingDelay = keepAlivePingDelay ?? DefaultKeepAlivePingDelay;
        options.Limits.Http2.KeepAlivePingTimeout = keepAlivePingTimeout ?? DefaultKeepAlivePingTimeout;
        return options;
    }
}
