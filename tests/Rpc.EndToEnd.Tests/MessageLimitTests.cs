using Grpc.Testing;
using Rpc.Client;
using Rpc.EndToEnd.Tests.Infrastructure;

namespace Rpc.EndToEnd.Tests;

/// <summary>
/// The 4 MiB default message limits, enforced where each belongs (client send, server receive, server send,
/// client receive), with the proxy showing what crossed the wire and that the connection survives the failure.
/// </summary>
public sealed class MessageLimitTests
{
    private const int Limit = Messages.DefaultLimit;
    private const int Small = 16;

    // Far below the limit: an oversized message refused before sending leaves only a little traffic.
    private const long LittleTraffic = 64 * 1024;

    [Theory(Timeout = 20_000)]
    [InlineData(Limit - 5)]
    [InlineData(Limit)]
    public async Task UnaryCall_MessagesUpToLimitBothWays_Succeeds(int size)
    {
        await using var server = await TestServer.StartAsync();
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address);
        var client = new TestService.TestServiceClient(channel);
        var request = Messages.UnaryRequest(requestSize: size, responseSize: size);
        Assert.Equal(size, request.CalculateSize());

        var response = await client.UnaryCallAsync(request, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(size, response.CalculateSize());
        Assert.Equal([request.Payload.Body.Length], server.Probe.RequestPayloadSizes);
        Assert.True(proxy.ClientToServer.DataBytes > size, proxy.ClientToServer.ToString());
        Assert.True(proxy.ServerToClient.DataBytes > size, proxy.ServerToClient.ToString());
    }

    [Fact(Timeout = 20_000)]
    public async Task UnaryCall_RequestOverLimit_ClientRefusesToSendAndConnectionStaysUsable()
    {
        await using var server = await TestServer.StartAsync();
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address);
        var client = await WarmUpAsync(channel);

        var status = await CallAsync(client, Messages.UnaryRequest(requestSize: Limit + 1, responseSize: Small));

        AssertExhausted(status, $"Sending message exceeds the maximum configured message size ({Limit + 1} > {Limit} bytes).");
        Assert.Equal(1, server.Probe.Calls); // the warm-up only
        Assert.True(proxy.ClientToServer.DataBytes < LittleTraffic, $"the message went out: {proxy.ClientToServer}");
        await AssertConnectionUsableAsync(client, proxy);
    }

    [Fact(Timeout = 20_000)]
    public async Task UnaryCall_RequestOverLimit_ServerRejectsAndConnectionStaysUsable()
    {
        await using var server = await TestServer.StartAsync();
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address, new RpcChannelOptions { MaxSendMessageSize = null });
        var client = await WarmUpAsync(channel);

        var status = await CallAsync(client, Messages.UnaryRequest(requestSize: Limit + 1, responseSize: Small));

        AssertExhausted(status, $"Received message exceeds the maximum configured message size ({Limit + 1} > {Limit} bytes).");
        Assert.Equal(1, server.Probe.Calls); // the handler never saw the oversized request
        await AssertConnectionUsableAsync(client, proxy);
    }

    [Fact(Timeout = 20_000)]
    public async Task UnaryCall_ResponseOverLimit_ServerRefusesToSendAndConnectionStaysUsable()
    {
        await using var server = await TestServer.StartAsync();
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address, new RpcChannelOptions { MaxReceiveMessageSize = null });
        var client = await WarmUpAsync(channel);

        var status = await CallAsync(client, Messages.UnaryRequest(requestSize: Small, responseSize: Limit + 1));

        AssertExhausted(status, $"Sending message exceeds the maximum configured message size ({Limit + 1} > {Limit} bytes).");
        Assert.Equal(2, server.Probe.Calls);
        Assert.True(proxy.ServerToClient.DataBytes < LittleTraffic, $"the message went out: {proxy.ServerToClient}");
        await AssertConnectionUsableAsync(client, proxy);
    }

    [Fact(Timeout = 20_000)]
    public async Task UnaryCall_ResponseOverLimit_ClientRejectsAndConnectionStaysUsable()
    {
        await using var server = await TestServer.StartAsync(o => o.MaxSendMessageSize = null);
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address);
        var client = await WarmUpAsync(channel);

        var status = await CallAsync(client, Messages.UnaryRequest(requestSize: Small, responseSize: Limit + 1));

        AssertExhausted(status, $"Received message exceeds the maximum configured message size ({Limit + 1} > {Limit} bytes).");
        Assert.Equal(2, server.Probe.Calls);
        await AssertConnectionUsableAsync(client, proxy);
    }

    /// <summary>Opens the connection first, so "the same connection afterwards" means something.</summary>
    private static async Task<TestService.TestServiceClient> WarmUpAsync(RpcChannel channel)
    {
        var client = new TestService.TestServiceClient(channel);
        await client.EmptyCallAsync(new Empty(), cancellationToken: TestContext.Current.CancellationToken);
        return client;
    }

    private static async Task<Status> CallAsync(TestService.TestServiceClient client, SimpleRequest request)
    {
        using var call = client.UnaryCallAsync(request, cancellationToken: TestContext.Current.CancellationToken);
        var failure = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        return failure.Status;
    }

    private static void AssertExhausted(Status status, string detail)
    {
        Assert.Equal(StatusCode.ResourceExhausted, status.StatusCode);
        Assert.Equal(detail, status.Detail);
    }

    private static async Task AssertConnectionUsableAsync(TestService.TestServiceClient client, Http2FrameProxy proxy)
    {
        await CallKinds.AssertAllSucceedAsync(client, new CallOptions(CancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(1, proxy.Connections);
        Assert.Equal(0, proxy.ClosedConnections);
        Assert.Equal(0, proxy.ServerToClient.GoAways);
    }
}
