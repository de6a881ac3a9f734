using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class StreamingCallTests
{
    [Fact(Timeout = 30_000)]
    public async Task ServerStreaming_CountOfThree_WritesEachMessageThenOk()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Count", Frames.Text("3"));

        Assert.Equal(["0", "1", "2"], response.Texts);
        Assert.Equal("0", response.Trailer("grpc-status"));
    }

    [Fact(Timeout = 30_000)]
    public async Task ServerStreaming_NoMessages_SendsTrailersOnlyOk()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Count", Frames.Text("0"));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(0, response.GrpcStatus);
    }

    [Fact(Timeout = 30_000)]
    public async Task ServerStreaming_ZeroRequests_ReturnsInternal()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Count", []);

        Assert.Equal(13, response.GrpcStatus);
    }

    [Fact(Timeout = 30_000)]
    public async Task ServerStreaming_ErrorAfterMessages_SendsMessagesThenStatusInTrailers()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Count", Frames.Text("2:fail"));

        Assert.Equal(["0", "1"], response.Texts);
        Assert.Equal("10", response.Trailer("grpc-status"));
        Assert.Equal("stopped", response.Trailer("grpc-message"));
        Assert.Equal("t", response.Trailer("x-trailer"));
        Assert.False(response.Headers.ContainsKey("grpc-status"));
    }

    [Fact(Timeout = 30_000)]
    public async Task ServerStreaming_FirstMessage_ArrivesBeforeHandlerFinishes()
    {
        await using var host = await RpcTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var request = RawCalls.Prepare(host.Http2, RawCalls.Request("/test.Tester/Ticker", Frames.Text(string.Empty)));

        using var response = await host.Http2.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var first = await Frames.ReadFrameAsync(stream, ct);

        // The handler is still parked waiting for Release: the message was flushed on its own.
        Assert.Equal("first", Frames.ParseText(first!.Value.Payload));
        host.Probe.Release.SetResult();
        var second = await Frames.ReadFrameAsync(stream, ct);
        Assert.Equal("second", Frames.ParseText(second!.Value.Payload));
        Assert.Null(await Frames.ReadFrameAsync(stream, ct));
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact(Timeout = 30_000)]
    public async Task ServerStreaming_WriteAfterHandlerReturned_ThrowsInvalidOperation()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/WriteAfterEnd", Frames.Text(string.Empty));
        host.Probe.Release.SetResult();
        var outcome = await host.Probe.LateWriteOutcome.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(0, response.GrpcStatus);
        Assert.IsType<InvalidOperationException>(outcome);
        host.AssertNoErrorsLogged();
    }

    [Fact(Timeout = 30_000)]
    public async Task ClientStreaming_ThreeMessages_ConcatenatesThem()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Concat", Frames.Concat(Frames.Text("a"), Frames.Text("b"), Frames.Text("c")));

        Assert.Equal(["a,b,c"], response.Texts);
        Assert.Equal("0", response.Trailer("grpc-status"));
    }

    [Fact(Timeout = 30_000)]
    public async Task ClientStreaming_NoMessages_ReturnsEmptyResult()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Concat", []);

        Assert.Equal([string.Empty], response.Texts);
        Assert.Equal(0, response.GrpcStatus);
    }

    [Fact(Timeout = 30_000)]
    public async Task ClientStreaming_MessagesSplitAcrossWrites_ReassemblesFrames()
    {
        await using var host = await RpcTestHost.StartAsync();
        var body = Frames.Concat(Frames.Text("alpha"), Frames.Text("beta"));
        var chunks = body.Chunk(3).ToArray();
        var content = new PushContent(chunks);
        content.Complete();

        var response = await RawCalls.SendAsync(host.Http2, RawCalls.Request("/test.Tester/Concat", content), TestContext.Current.CancellationToken);

        Assert.Equal(["alpha,beta"], response.Texts);
    }

    [Fact(Timeout = 30_000)]
    public async Task Duplex_InterleavedMessages_EchoesEachBeforeTheNextIsSent()
    {
        await using var host = await RpcTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var content = new PushContent(Frames.Text("one"));
        var request = RawCalls.Prepare(host.Http2, RawCalls.Request("/test.Tester/Chat", content));

        using var response = await host.Http2.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        Assert.Equal("echo:one", Frames.ParseText((await Frames.ReadFrameAsync(stream, ct))!.Value.Payload));
        content.Push(Frames.Text("two"));
        Assert.Equal("echo:two", Frames.ParseText((await Frames.ReadFrameAsync(stream, ct))!.Value.Payload));
        content.Complete();

        Assert.Null(await Frames.ReadFrameAsync(stream, ct));
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact(Timeout = 30_000)]
    public async Task Duplex_LargeStreamBothWays_AllMessagesEchoed()
    {
        await using var host = await RpcTestHost.StartAsync();
        var messages = Enumerable.Range(0, 500).Select(i => new string('x', i % 50) + i).ToArray();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Chat", Frames.Concat([.. messages.Select(Frames.Text)]));

        Assert.Equal(messages.Select(m => "echo:" + m), response.Texts);
        Assert.Equal(0, response.GrpcStatus);
    }
}
