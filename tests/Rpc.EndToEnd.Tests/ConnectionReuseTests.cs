using Grpc.Testing;
using Rpc.Client;
using Rpc.EndToEnd.Tests.Infrastructure;

namespace Rpc.EndToEnd.Tests;

/// <summary>How calls share TCP connections, counted by <see cref="Http2FrameProxy"/> between our client and server.</summary>
public sealed class ConnectionReuseTests
{
    private const int ConcurrentUnaryCalls = 64;
    private const int HeldServerStreams = 2;
    private const int OpenDuplexStreams = 2;

    private static readonly Metadata Hold = new() { { ServiceProbe.HoldHeader, "1" } };

    [Fact(Timeout = 30_000)]
    public async Task ConcurrentCallsAndStreams_AfterWarmUp_ShareOneConnection()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var server = await TestServer.StartAsync();
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address);
        var client = new TestService.TestServiceClient(channel);
        await client.EmptyCallAsync(new Empty(), cancellationToken: cancellationToken);
        var held = new CallOptions(Hold, CancellationToken: cancellationToken);

        var unary = Enumerable.Range(0, ConcurrentUnaryCalls)
            .Select(i => client.UnaryCallAsync(new SimpleRequest { ResponseSize = i }, held))
            .ToArray();
        var streamRequest = new StreamingOutputCallRequest();
        streamRequest.ResponseParameters.Add([new() { Size = 1 }, new() { Size = 2 }]);
        var streams = Enumerable.Range(0, HeldServerStreams).Select(_ => client.StreamingOutputCall(streamRequest, held)).ToArray();
        var duplexes = Enumerable.Range(0, OpenDuplexStreams).Select(_ => client.FullDuplexCall(held)).ToArray();
        try
        {
            foreach (var duplex in duplexes)
            {
                await duplex.RequestStream.WriteAsync(PingPong(3), cancellationToken);
                Assert.True(await duplex.ResponseStream.MoveNext(cancellationToken));
            }

            // Every call is in flight at once: each unary and server-streaming handler waits at the gate, and the
            // duplex streams are open with their request side not completed.
            await Eventually.WaitUntilAsync(
                () => server.Probe.Held == ConcurrentUnaryCalls + HeldServerStreams,
                TimeSpan.FromSeconds(10),
                () => $"all calls held by the server (held: {server.Probe.Held})");
            Assert.Equal(1, proxy.Connections);

            server.Probe.Release();
            var responses = await Task.WhenAll(unary.Select(call => call.ResponseAsync)).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            Assert.Equal(Enumerable.Range(0, ConcurrentUnaryCalls), responses.Select(r => r.Payload.Body.Length));
            foreach (var stream in streams)
            {
                var sizes = await stream.ResponseStream.ReadAllAsync(cancellationToken).Select(r => r.Payload.Body.Length).ToListAsync(cancellationToken);
                Assert.Equal([1, 2], sizes);
            }

            foreach (var duplex in duplexes)
            {
                await duplex.RequestStream.WriteAsync(PingPong(4), cancellationToken);
                Assert.True(await duplex.ResponseStream.MoveNext(cancellationToken));
                await duplex.RequestStream.CompleteAsync();
                Assert.False(await duplex.ResponseStream.MoveNext(cancellationToken));
            }

            Assert.Equal(1, proxy.Connections);
            Assert.Equal(0, proxy.ClosedConnections);
        }
        finally
        {
            foreach (var call in unary)
            {
                call.Dispose();
            }

            foreach (var call in streams)
            {
                call.Dispose();
            }

            foreach (var call in duplexes)
            {
                call.Dispose();
            }
        }
    }

    [Theory(Timeout = 20_000)]
    [InlineData(CallKind.ServerStreaming, false)]
    [InlineData(CallKind.ServerStreaming, true)]
    [InlineData(CallKind.ClientStreaming, false)]
    [InlineData(CallKind.DuplexStreaming, false)]
    public async Task StreamCancelledMidway_ByDisposeOrToken_HandlerTokenFiresAndConnectionServesNextCalls(CallKind kind, bool byToken)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var server = await TestServer.StartAsync();
        await using var proxy = Http2FrameProxy.Start(server.Address);
        using var channel = RpcChannel.ForAddress(proxy.Address);
        var client = new TestService.TestServiceClient(channel);
        await client.EmptyCallAsync(new Empty(), cancellationToken: cancellationToken);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var options = new CallOptions(Hold, CancellationToken: cancel.Token);

        // Start a stream and get it running on both sides, then walk away from it mid-stream.
        Func<Status> status;
        IDisposable call;
        switch (kind)
        {
            case CallKind.ServerStreaming:
                var request = new StreamingOutputCallRequest();
                request.ResponseParameters.Add([new() { Size = 1 }, new() { Size = 2 }]);
                var serverStreaming = client.StreamingOutputCall(request, options);
                Assert.True(await serverStreaming.ResponseStream.MoveNext(cancellationToken));
                await Eventually.WaitUntilAsync(() => server.Probe.Held == 1, TimeSpan.FromSeconds(5), () => "the handler to hold the stream");
                (call, status) = (serverStreaming, serverStreaming.GetStatus);
                break;
            case CallKind.ClientStreaming:
                var clientStreaming = client.StreamingInputCall(options);
                await clientStreaming.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = new Payload { Body = Messages.Body(5) } }, cancellationToken);
                await Eventually.WaitUntilAsync(() => !server.Probe.RequestPayloadSizes.IsEmpty, TimeSpan.FromSeconds(5), () => "the handler to read the first request");
                (call, status) = (clientStreaming, clientStreaming.GetStatus);
                break;
            default:
                var duplex = client.FullDuplexCall(options);
                await duplex.RequestStream.WriteAsync(PingPong(1), cancellationToken);
                Assert.True(await duplex.ResponseStream.MoveNext(cancellationToken));
                (call, status) = (duplex, duplex.GetStatus);
                break;
        }

        if (byToken)
        {
            await cancel.CancelAsync();
        }
        else
        {
            call.Dispose();
        }

        await Eventually.WaitUntilAsync(() => !server.Probe.CancelledCalls.IsEmpty, TimeSpan.FromSeconds(5), () => "the handler's token to fire");
        await Eventually.WaitUntilAsync(() => proxy.ClientToServer.Resets == 1, TimeSpan.FromSeconds(5), () => $"the client's RST_STREAM; client→server {proxy.ClientToServer}");
        Assert.Equal(StatusCode.Cancelled, status().StatusCode);

        await CallKinds.AssertAllSucceedAsync(client, new CallOptions(CancellationToken: cancellationToken));
        Assert.Equal([CallKinds.MethodOf(kind)], server.Probe.CancelledCalls); // only the abandoned call's token, no finished call's
        Assert.Equal(1, proxy.Connections);
        Assert.Equal(0, proxy.ClosedConnections);
        Assert.Equal(0, proxy.ServerToClient.GoAways);
        call.Dispose();
    }

    private static StreamingOutputCallRequest PingPong(int size)
    {
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.Add(new ResponseParameters { Size = size });
        return request;
    }
}
