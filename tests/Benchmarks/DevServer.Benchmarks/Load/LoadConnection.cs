using System.Net;

namespace DevServer.Benchmarks.Load;

/// <summary>The one HTTP/2 connection the .NET load generators (ours and raw) drive.</summary>
internal static class LoadConnection
{
    /// <summary>
    /// The settings <c>RpcChannel</c> gives the handler it creates, except that the pool may not open a second
    /// connection. With the default (<c>EnableMultipleHttp2Connections = true</c>) the pool sometimes opened two
    /// when 64 calls arrived before the first connection's SETTINGS; the load shape is one connection, and the
    /// "connections opened" row checks it.
    /// </summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        EnableMultipleHttp2Connections = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
    };
}
