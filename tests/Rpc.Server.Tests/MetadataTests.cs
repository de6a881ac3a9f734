using Rpc.Server.Tests.Infrastructure;

namespace Rpc.Server.Tests;

public sealed class MetadataTests
{
    [Fact(Timeout = 30_000)]
    public async Task RequestHeaders_BinaryPaddedAndUnpadded_BothDecoded()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/EchoMetadata", Frames.Text(string.Empty), configure: r =>
        {
            r.Headers.Add("x-padded-bin", "AQIDBA==");
            r.Headers.Add("x-unpadded-bin", "AQIDBA");
            r.Headers.Add("x-plain", "hello world");
        });

        var lines = response.Texts.Single().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("x-padded-bin=01020304", lines);
        Assert.Contains("x-unpadded-bin=01020304", lines);
        Assert.Contains("x-plain=hello world", lines);
    }

    [Fact(Timeout = 30_000)]
    public async Task RequestHeaders_TransportHeaders_Removed()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/EchoMetadata", Frames.Text(string.Empty), configure: r =>
        {
            r.Headers.Add("grpc-timeout", "10S");
            r.Headers.Add("grpc-accept-encoding", "gzip");
            r.Headers.Add("user-agent", "raw-test/1.0");
        });

        var keys = response.Texts.Single().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')[0]).ToList();
        Assert.DoesNotContain(keys, k => k.StartsWith("grpc-", StringComparison.Ordinal) || k.StartsWith(':') || k is "te" or "content-type" or "host");
        Assert.Contains("user-agent", keys);
    }

    [Fact(Timeout = 30_000)]
    public async Task RequestHeaders_RepeatedBinaryHeader_EachValueDecoded()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/EchoMetadata", Frames.Text(string.Empty), configure: r =>
            r.Headers.Add("x-multi-bin", ["AQ", "Ag=="]));

        var lines = response.Texts.Single().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("x-multi-bin=01", lines);
        Assert.Contains("x-multi-bin=02", lines);
    }

    [Fact(Timeout = 30_000)]
    public async Task RequestHeaders_InvalidBase64_SkippedNotFatal()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/EchoMetadata", Frames.Text(string.Empty), configure: r =>
            r.Headers.Add("x-broken-bin", "!!!"));

        Assert.Equal(0, response.GrpcStatus);
        Assert.DoesNotContain("x-broken-bin", response.Texts.Single(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task CustomMetadata_Echoed_InResponseHeadersAndTrailers()
    {
        await using var host = await RpcTestHost.StartAsync();

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/EchoMetadata", Frames.Text(string.Empty), configure: r =>
        {
            r.Headers.Add("x-echo-text", "abc");
            r.Headers.Add("x-echo-data-bin", "AQIDBA==");
        });

        Assert.Equal("abc", response.Header("x-echo-text"));
        Assert.Equal("AQIDBA", response.Header("x-echo-data-bin"));
        Assert.Equal("abc", response.Trailer("x-echo-text"));
        Assert.Equal("AQIDBA", response.Trailer("x-echo-data-bin"));
        Assert.Equal("0", response.Trailer("grpc-status"));
        Assert.Single(response.Frames);
    }

    [Fact(Timeout = 30_000)]
    public async Task WriteResponseHeadersAsync_Streaming_HeadersArriveBeforeAnyMessage()
    {
        await using var host = await RpcTestHost.StartAsync(mapServices: app => app.MapRpcService<HeadersFirstTester>());
        var ct = TestContext.Current.CancellationToken;
        var request = RawCalls.Prepare(host.Http2, RawCalls.Request("/test.Tester/Ticker", Frames.Text(string.Empty)));

        // SendAsync returns at the response headers; the handler is parked before writing any message.
        using var response = await host.Http2.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);

        Assert.Equal("early", response.Headers.GetValues("x-stage").Single());
        Assert.False(host.Probe.Release.Task.IsCompleted);
        host.Probe.Release.SetResult();
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        Assert.Equal("after", Frames.ParseText((await Frames.ReadFrameAsync(stream, ct))!.Value.Payload));
        Assert.Null(await Frames.ReadFrameAsync(stream, ct));
    }

    [Fact(Timeout = 30_000)]
    public async Task WriteResponseHeadersAsync_CalledTwice_SecondThrows()
    {
        await using var host = await RpcTestHost.StartAsync(mapServices: app => app.MapRpcService<HeadersFirstTester>());

        var response = await RawCalls.CallAsync(host.Http2, "/test.Tester/Echo", Frames.Text(string.Empty));

        Assert.Equal(["InvalidOperationException"], response.Texts);
    }

    private sealed class HeadersFirstTester(CallProbe probe) : Tester.TesterBase
    {
        public override async Task Ticker(Google.Protobuf.WellKnownTypes.StringValue request, IServerStreamWriter<Google.Protobuf.WellKnownTypes.StringValue> responseStream, ServerCallContext context)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { "x-stage", "early" } });
            await probe.Release.Task.WaitAsync(TimeSpan.FromSeconds(20), context.CancellationToken);
            await responseStream.WriteAsync(new() { Value = "after" }, context.CancellationToken);
        }

        public override async Task<Google.Protobuf.WellKnownTypes.StringValue> Echo(Google.Protobuf.WellKnownTypes.StringValue request, ServerCallContext context)
        {
            await context.WriteResponseHeadersAsync([]);
            try
            {
                await context.WriteResponseHeadersAsync([]);
                return new() { Value = "no exception" };
            }
            catch (Exception ex)
            {
                return new() { Value = ex.GetType().Name };
            }
        }
    }
}
