using Grpc.Testing;
using Rpc;

namespace DevServer.Interop.Client;

// The streaming cases, and the ones that end a call early (cancellation, deadline).
internal sealed partial class InteropCases
{
    private static readonly int[] ClientStreamSizes = [27182, 8, 1828, 45904];
    private static readonly int[] ServerStreamSizes = [31415, 9, 2653, 58979];

    private async Task ClientStreamingAsync()
    {
        using var call = _client.StreamingInputCall(Options());
        foreach (var size in ClientStreamSizes)
        {
            await call.RequestStream.WriteAsync(new StreamingInputCallRequest { Payload = Zeros(size) }, _cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        var response = await call;
        Check.That(response.AggregatedPayloadSize == 74922, $"aggregated_payload_size {response.AggregatedPayloadSize}, expected 74922");
    }

    private async Task ClientCompressedStreamingAsync()
    {
        // The probe: a compressing call whose one message opts out, so it arrives with the compressed flag clear.
        await Check.StatusAsync(
            async () =>
            {
                using var probe = _client.StreamingInputCall(Options() with { RequestCompression = Gzip });
                probe.RequestStream.WriteOptions = Uncompressed;
                await probe.RequestStream.WriteAsync(CompressionProbe(expectCompressed: true, 27182), _cancellationToken);
                await probe.RequestStream.CompleteAsync();
                await probe;
            },
            StatusCode.InvalidArgument);

        using var call = _client.StreamingInputCall(Options() with { RequestCompression = Gzip });
        await call.RequestStream.WriteAsync(CompressionProbe(expectCompressed: true, 27182), _cancellationToken);
        call.RequestStream.WriteOptions = Uncompressed;
        await call.RequestStream.WriteAsync(CompressionProbe(expectCompressed: false, 45904), _cancellationToken);
        await call.RequestStream.CompleteAsync();
        var response = await call;
        Check.That(response.AggregatedPayloadSize == 73086, $"aggregated_payload_size {response.AggregatedPayloadSize}, expected 73086");
    }

    private async Task ServerStreamingAsync()
    {
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.AddRange(ServerStreamSizes.Select(size => new ResponseParameters { Size = size }));
        using var call = _client.StreamingOutputCall(request, Options());
        Check.Sizes(await ReadAllAsync(call.ResponseStream), ServerStreamSizes);
    }

    private async Task ServerCompressedStreamingAsync()
    {
        var frames = ResponseFrameObserver.Observe();
        var request = new StreamingOutputCallRequest
        {
            ResponseParameters =
            {
                new ResponseParameters { Size = 31415, Compressed = new BoolValue { Value = true } },
                new ResponseParameters { Size = 92653, Compressed = new BoolValue { Value = false } },
            },
        };
        using var call = _client.StreamingOutputCall(request, Options());
        Check.Sizes(await ReadAllAsync(call.ResponseStream), [31415, 92653]);
        Check.CompressedFlags(frames, [true, false]);
    }

    private async Task PingPongAsync()
    {
        using var call = _client.FullDuplexCall(Options());
        for (var i = 0; i < ServerStreamSizes.Length; i++)
        {
            var responseSize = ServerStreamSizes[i];
            await call.RequestStream.WriteAsync(Ping(responseSize, ClientStreamSizes[i]), _cancellationToken);
            Check.That(await call.ResponseStream.MoveNext(_cancellationToken), $"the stream ended before the response of size {responseSize}");
            Check.Zeros(call.ResponseStream.Current.Payload, responseSize);
        }

        await call.RequestStream.CompleteAsync();
        Check.That(!await call.ResponseStream.MoveNext(_cancellationToken), "the server sent more than the four responses");
    }

    private async Task EmptyStreamAsync()
    {
        using var call = _client.FullDuplexCall(Options());
        await call.RequestStream.CompleteAsync();
        var responses = await ReadAllAsync(call.ResponseStream);
        Check.That(responses.Count == 0, $"expected no responses, got {responses.Count}");
    }

    // The next three cases end in a status the client itself produces, so on their own they would pass without a
    // server. They therefore first make sure the channel is connected and afterwards that the server still answers
    // on it, i.e. it took the reset stream in its stride.
    private async Task CancelAfterBeginAsync()
    {
        await StillServingAsync();
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
        using var call = _client.StreamingInputCall(Options() with { CancellationToken = cancellation.Token });
        await cancellation.CancelAsync();
        await Check.StatusAsync(async () => await call, StatusCode.Cancelled);
        await StillServingAsync();
    }

    private async Task CancelAfterFirstResponseAsync()
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
        using var call = _client.FullDuplexCall(Options() with { CancellationToken = cancellation.Token });
        await call.RequestStream.WriteAsync(Ping(31415, 27182), _cancellationToken);
        Check.That(await call.ResponseStream.MoveNext(_cancellationToken), "the stream ended before the first response");
        Check.Zeros(call.ResponseStream.Current.Payload, 31415);
        await cancellation.CancelAsync();
        await Check.StatusAsync(async () => await call.ResponseStream.MoveNext(_cancellationToken), StatusCode.Cancelled);
        await StillServingAsync();
    }

    private async Task TimeoutOnSleepingServerAsync()
    {
        await StillServingAsync();
        var deadline = _time.GetUtcNow().UtcDateTime.AddMilliseconds(1);
        using var call = _client.FullDuplexCall(Options() with { Deadline = deadline });
        try
        {
            await call.RequestStream.WriteAsync(new StreamingOutputCallRequest { Payload = Zeros(27182) }, _cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
            // The deadline may pass before the write: the read below sees the same status.
        }

        await Check.StatusAsync(async () => await ReadAllAsync(call.ResponseStream), StatusCode.DeadlineExceeded);
        await StillServingAsync();
    }

    private async Task StillServingAsync()
    {
        var response = await _client.EmptyCallAsync(new Empty(), Options());
        Check.That(response is not null, "EmptyCall returned no message");
    }

    private async Task<List<StreamingOutputCallResponse>> ReadAllAsync(IAsyncStreamReader<StreamingOutputCallResponse> stream)
    {
        var responses = new List<StreamingOutputCallResponse>();
        await foreach (var response in stream.ReadAllAsync(_cancellationToken))
        {
            responses.Add(response);
        }

        return responses;
    }

    private static StreamingOutputCallRequest Ping(int responseSize, int requestSize) => new()
    {
        ResponseParameters = { new ResponseParameters { Size = responseSize } },
        Payload = Zeros(requestSize),
    };

    private static StreamingInputCallRequest CompressionProbe(bool expectCompressed, int size) => new()
    {
        ExpectCompressed = new BoolValue { Value = expectCompressed },
        Payload = Zeros(size),
    };
}
