using System.Net;
using System.Net.Sockets;
using Grpc.Testing;
using Rpc.Client;
using Rpc.EndToEnd.Tests.Infrastructure;

namespace Rpc.EndToEnd.Tests;

/// <summary>Every call kind against an address where nothing listens ends UNAVAILABLE at its first step, without hanging.</summary>
public sealed class ConnectFailureTests
{
    [Theory(Timeout = 20_000)]
    [MemberData(nameof(CallKinds.All), MemberType = typeof(CallKinds))]
    public async Task Call_NothingListening_FailsUnavailable(CallKind kind)
    {
        using var channel = RpcChannel.ForAddress(new Uri($"http://127.0.0.1:{ClosedPort()}"));
        var client = new TestService.TestServiceClient(channel);

        var status = await CallKinds.RunAsync(client, kind, new CallOptions(CancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.Unavailable, status.StatusCode);
        Assert.Contains("refused", status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A loopback port that was just free: bound by the OS, then released.</summary>
    private static int ClosedPort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
