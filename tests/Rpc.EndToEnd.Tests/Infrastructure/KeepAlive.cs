namespace Rpc.EndToEnd.Tests.Infrastructure;

/// <summary>Shared settings and checks of the keep-alive tests.</summary>
internal static class KeepAlive
{
    public static readonly TimeSpan PingDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(5);

    // Pings come from Kestrel's and SocketsHttpHandler's once-a-second heartbeats, so two pings take 2-4 s.
    public static readonly TimeSpan WaitForPings = TimeSpan.FromSeconds(8);

    // How long the negative case watches an idle stream: more than twice what a 1 s delay needs to produce a ping.
    public static readonly TimeSpan QuietWindow = TimeSpan.FromSeconds(2.5);

    /// <summary>The one connection is still there: never reopened, never closed, no GOAWAY either way.</summary>
    public static void AssertOneHealthyConnection(Http2FrameProxy proxy)
    {
        Assert.Equal(1, proxy.Connections);
        Assert.Equal(0, proxy.ClosedConnections);
        Assert.Equal(0, proxy.ServerToClient.GoAways);
        Assert.Equal(0, proxy.ClientToServer.GoAways);
    }
}
