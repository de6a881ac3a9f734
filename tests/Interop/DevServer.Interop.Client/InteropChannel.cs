using System.Net;
using Rpc.Client;

namespace DevServer.Interop.Client;

internal static class InteropChannel
{
    /// <summary>
    /// One channel for the whole run, over a handler the channel owns, with the <see cref="ResponseFrameObserver"/>
    /// in between (the compression cases read the response frames' flags through it).
    /// </summary>
    public static RpcChannel Create(ClientFlags flags)
    {
        var sockets = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        return RpcChannel.ForAddress(flags.Address, new RpcChannelOptions
        {
            HttpHandler = new ResponseFrameObserver(sockets),
            DisposeHttpHandler = true,
            WireFormat = flags.Transport,
        });
    }
}
