using Grpc.Testing;

namespace Rpc.EndToEnd.Tests.Infrastructure;

/// <summary>The four kinds of gRPC call.</summary>
public enum CallKind
{
    Unary,
    ServerStreaming,
    ClientStreaming,
    DuplexStreaming,
}

/// <summary>
/// One small, fully checked exchange per call kind against <see cref="EndToEndTestService"/>: the status it ended
/// with, after asserting that an OK call carried exactly the expected messages.
/// </summary>
internal static class CallKinds
{
    public static readonly TheoryData<CallKind> All = new(Enum.GetValues<CallKind>());

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>The method each kind's exchange calls, as <see cref="ServerCallContext.Method"/> names it.</summary>
    public static string MethodOf(CallKind kind) => kind switch
    {
        CallKind.Unary => "/grpc.testing.TestService/UnaryCall",
        CallKind.ServerStreaming => "/grpc.testing.TestService/StreamingOutputCall",
        CallKind.ClientStreaming => "/grpc.testing.TestService/StreamingInputCall",
        _ => "/grpc.testing.TestService/FullDuplexCall",
    };

    /// <summary>
    /// Runs the exchange; an <see cref="RpcException"/> from any step becomes the returned status. An exchange that
    /// hangs fails the test naming the step it hung at.
    /// </summary>
    public static async Task<Status> RunAsync(TestService.TestServiceClient client, CallKind kind, CallOptions options)
    {
        var step = new Step();
        try
        {
            await (kind switch
            {
                CallKind.Unary => UnaryAsync(client, options, step),
                CallKind.ServerStreaming => ServerStreamingAsync(client, options, step),
                CallKind.ClientStreaming => ClientStreamingAsync(client, options, step),
                _ => DuplexStreamingAsync(client, options, step),
            }).WaitAsync(Timeout, options.CancellationToken);
            return Status.DefaultSuccess;
        }
        catch (RpcException ex)
        {
            return ex.Status;
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The {kind} call hung for {Timeout.TotalSeconds} s at: {step.Name}");
            throw;
        }
    }

    /// <summary>Runs every kind in turn and asserts each ended OK.</summary>
    public static async Task AssertAllSucceedAsync(TestService.TestServiceClient client, CallOptions options)
    {
        foreach (var kind in Enum.GetValues<CallKind>())
        {
            var status = await RunAsync(client, kind, options);
            Assert.True(status.StatusCode == StatusCode.OK, $"{kind}: {status}");
        }
    }

    private static async Task UnaryAsync(TestService.TestServiceClient client, CallOptions options, Step step)
    {
        step.Name = "awaiting the response";
        using var call = client.UnaryCallAsync(new SimpleRequest { ResponseSize = 10, Payload = new Payload { Body = Messages.Body(5) } }, options);
        var response = await call;
        Assert.Equal(10, response.Payload.Body.Length);
    }

    private static async Task ServerStreamingAsync(TestService.TestServiceClient client, CallOptions options, Step step)
    {
        step.Name = "reading the responses";
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.Add([new() { Size = 3 }, new() { Size = 4 }, new() { Size = 5 }]);
        using var call = client.StreamingOutputCall(request, options);
        var sizes = new List<int>();
        await foreach (var response in call.ResponseStream.ReadAllAsync(options.CancellationToken))
        {
            sizes.Add(response.Payload.Body.Length);
        }

        Assert.Equal([3, 4, 5], sizes);
    }

    private static async Task ClientStreamingAsync(TestService.TestServiceClient client, CallOptions options, Step step)
    {
        using var call = client.StreamingInputCall(options);
        foreach (var size in new[] { 1, 2, 3 })
        {
            step.Name = $"RequestStream.WriteAsync of request {size} (of 3)";
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = new Payload { Body = Messages.Body(size) } }, options.CancellationToken);
        }

        step.Name = "completing the request stream and awaiting the response";
        await call.RequestStream.CompleteAsync();
        var response = await call;
        Assert.Equal(6, response.AggregatedPayloadSize);
    }

    /// <summary>Ping-pong: each request is answered before the next goes out.</summary>
    private static async Task DuplexStreamingAsync(TestService.TestServiceClient client, CallOptions options, Step step)
    {
        using var call = client.FullDuplexCall(options);
        for (var round = 1; round <= 3; round++)
        {
            var size = 6 + round;
            var request = new StreamingOutputCallRequest();
            request.ResponseParameters.Add(new ResponseParameters { Size = size });
            step.Name = $"RequestStream.WriteAsync of request {round} (of 3)";
            await call.RequestStream.WriteAsync(request, options.CancellationToken);
            step.Name = $"ResponseStream.MoveNext for response {round}";
            Assert.True(await call.ResponseStream.MoveNext(options.CancellationToken), $"no response to request {round}");
            Assert.Equal(size, call.ResponseStream.Current.Payload.Body.Length);
        }

        step.Name = "completing the request stream and reading the end";
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(options.CancellationToken));
    }

    /// <summary>Where an exchange is, for the message when it hangs.</summary>
    private sealed class Step
    {
        public string Name { get; set; } = "starting the call";
    }
}
