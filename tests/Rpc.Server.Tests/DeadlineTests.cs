using System.Diagnostics;
using System.Globalization;
using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class DeadlineTests
{
    [Theory(Timeout = 30_000)]
    [InlineData("2H", 7_200_000)]
    [InlineData("3M", 180_000)]
    [InlineData("40S", 40_000)]
    [InlineData("25000m", 25_000)]
    [InlineData("15000000u", 15_000)]
    [InlineData("99999999n", 100)]
    public async Task Timeout_EachUnit_SetsDeadline(string timeout, long expectedMs)
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(
            host.Http2, "/test.Tester/Info", Frames.Text(string.Empty), configure: r => r.Headers.Add("grpc-timeout", timeout));

        Assert.Equal(0, response.GrpcStatus);
        var remaining = long.Parse(
            response.Texts.Single().Split(';').Single(p => p.StartsWith("remainingMs=", StringComparison.Ordinal))["remainingMs=".Length..],
            CultureInfo.InvariantCulture);
        Assert.InRange(remaining, Math.Max(0, expectedMs - 5_000), expectedMs);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("0m")]
    [InlineData("0S")]
    [InlineData("0n")]
    [InlineData("00000000H")]
    public async Task Timeout_Zero_DeadlineExceededWithoutRunningHandler(string timeout)
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(
            host.Http2, "/test.Tester/Echo", Frames.Text("x"), configure: r => r.Headers.Add("grpc-timeout", timeout));

        Assert.True(response.IsTrailersOnly);
        Assert.Equal(4, response.GrpcStatus);
        Assert.DoesNotContain("handler:Echo", host.Probe.Events);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("abc")]
    [InlineData("10x")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    [InlineData("S")]
    public async Task Timeout_Malformed_ServedWithoutDeadline(string timeout)
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(
            host.Http2, "/test.Tester/Info", Frames.Text(string.Empty), configure: r => r.Headers.Add("grpc-timeout", timeout));

        Assert.Equal(0, response.GrpcStatus);
        Assert.Contains("remainingMs=none", response.Texts.Single(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Deadline_HandlerIgnoresToken_ClientGetsDeadlineExceededAtDeadline()
    {
        await using var host = await RpcTestHost.StartAsync();
        var watch = Stopwatch.StartNew();

        var response = await RawCalls.CallAsync(
            host.Http2, "/test.Tester/IgnoreDeadline", Frames.Text(string.Empty), configure: r => r.Headers.Add("grpc-timeout", "300m"));
        var elapsed = watch.Elapsed;

        // The handler is still parked (it ignores its token); the server answered on its own at the deadline.
        Assert.Equal(4, response.GrpcStatus);
        Assert.True(response.IsTrailersOnly);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.False(host.Probe.HandlerTokenFired.Task.IsCompleted);

        host.Probe.Release.SetResult();
        Assert.True(await host.Probe.HandlerTokenFired.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        var after = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Text("still here"));
        Assert.Equal(["still here"], after.Texts);
        host.AssertNoErrorsLogged();
    }

    [Fact(Timeout = 30_000)]
    public async Task Deadline_HandlerHonoursToken_TokenFiresAndStatusIsDeadlineExceeded()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(
            host.Http2, "/test.Tester/Wait", Frames.Text(string.Empty), configure: r => r.Headers.Add("grpc-timeout", "200m"));

        Assert.Equal(4, response.GrpcStatus);
        Assert.True(await host.Probe.HandlerTokenFired.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = 30_000)]
    public async Task Deadline_StreamingHandlerWritesAfterIt_WriteFailsAndClientSawMessageThenDeadline()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(
            host.Http2, "/test.Tester/Ticker", Frames.Text(string.Empty), configure: r => r.Headers.Add("grpc-timeout", "300m"));

        Assert.Equal(["first"], response.Texts);
        Assert.Equal("4", response.Trailer("grpc-status"));
        host.Probe.Release.SetResult();
        var outcome = await host.Probe.LateWriteOutcome.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.IsType<InvalidOperationException>(outcome);
        Assert.True(await host.Probe.HandlerTokenFired.Task);
        host.AssertNoErrorsLogged();
    }

    [Fact(Timeout = 30_000)]
    public async Task Deadline_DuplexClientStillSending_ResponseEndsAtDeadline()
    {
        await using var host = await RpcTestHost.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var content = new PushContent(Frames.Text("one"));
        var request = RawCalls.Prepare(host.Http2, RawCalls.Request("/test.Tester/Chat", content));
        request.Headers.Add("grpc-timeout", "400m");

        using var response = await host.Http2.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        Assert.Equal("echo:one", Frames.ParseText((await Frames.ReadFrameAsync(stream, ct))!.Value.Payload));

        // The request stream is left open; the deadline must still end the call.
        Assert.Null(await Frames.ReadFrameAsync(stream, ct));
        Assert.Equal("4", response.TrailingHeaders.GetValues("grpc-status").Single());
        content.Complete();
    }

    [Fact(Timeout = 30_000)]
    public async Task Deadline_CallFinishesInTime_Ok()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(
            host.Http2, "/test.Tester/Count", Frames.Text("3"), configure: r => r.Headers.Add("grpc-timeout", "10S"));

        Assert.Equal(["0", "1", "2"], response.Texts);
        Assert.Equal("0", response.Trailer("grpc-status"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Deadline_ManyShortDeadlinesRacingCompletion_AlwaysCleanStatus()
    {
        await using var host = await RpcTestHost.StartAsync();

        // Deadlines around the time the call takes, so the timer and the normal completion race.
        var calls = Enumerable.Range(0, 300).Select(i => RawCalls.CallAsync(
            host.Http2,
            i % 2 == 0 ? "/test.Tester/Echo" : "/test.Tester/Count",
            Frames.Text(i % 2 == 0 ? "x" : "20"),
            configure: r => r.Headers.Add("grpc-timeout", (i % 7 * 100_000).ToString(CultureInfo.InvariantCulture) + "n")));
        var responses = await Task.WhenAll(calls);

        Assert.All(responses, r => Assert.Contains(r.GrpcStatus, new int?[] { 0, 4 }));
        host.AssertNoErrorsLogged();
    }
}
