using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using DevServer.Benchmarks.Peers;
using DevServer.Benchmarks.Serving;
using Google.Protobuf;
using Grpc.Testing;
using Rpc.Wire;

namespace DevServer.Benchmarks.Load;

/// <summary>
/// The ceiling's client: a bare <see cref="HttpMessageInvoker"/> over the same handler as ours
/// (<see cref="LoadConnection.CreateHandler"/>), posting the pre-built request frame with the gRPC request headers, reading the
/// body (frames only counted, never deserialized) and checking <c>grpc-status: 0</c> in the trailers. For the
/// raw + protobuf contender it serializes each call's request and parses every response message instead.
/// </summary>
internal static class RawLoad
{
    // The same buffering as ours' streaming responses.
    private static readonly StreamPipeReaderOptions StreamingBody = new(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true);

    public static async Task<Measurement> RunAsync(LoadMode mode, ServerPeer server, LoadShape shape, Payloads payloads, CancellationToken cancellationToken)
    {
        using var invoker = new HttpMessageInvoker(LoadConnection.CreateHandler(), disposeHandler: true);
        var protobuf = server.Contender == Contender.RawProtobuf;
        var meter = new CostMeter(server);
        await meter.BeginAsync(cancellationToken);
        LoadOutcome outcome;
        if (mode == LoadMode.Unary)
        {
            var uri = new Uri(server.Address, Payloads.UnaryPath);
            outcome = await ClosedLoop.RunAsync(shape, recordLatency: true, (worker, token) => UnaryAsync(invoker, uri, payloads, protobuf, worker, token), meter, cancellationToken);
        }
        else
        {
            var uri = new Uri(server.Address, Payloads.StreamPath);
            outcome = await ClosedLoop.RunAsync(shape, recordLatency: false, (worker, token) => StreamAsync(invoker, uri, payloads, protobuf, worker, token), meter, cancellationToken);
        }

        return Measurement.From(outcome, meter.PerOperation(outcome.Completed));
    }

    private static async Task UnaryAsync(HttpMessageInvoker invoker, Uri uri, Payloads payloads, bool protobuf, LoadWorker worker, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = CreateRequest(uri, protobuf ? Frame(payloads.UnaryRequest) : payloads.UnaryRequestFrame);
        using var response = await invoker.SendAsync(request, cancellationToken);
        var expected = payloads.UnaryResponseFrame.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(expected + 1);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
            {
                total += read;
                if (total == buffer.Length)
                {
                    throw new InvalidOperationException($"The response body is longer than the {expected}-byte frame.");
                }
            }

            if (total != expected)
            {
                throw new InvalidOperationException($"Response body of {total} bytes, expected {expected}.");
            }

            if (protobuf)
            {
                CheckPayload(SimpleResponse.Parser.ParseFrom(buffer.AsSpan(5, total - 5)).Payload, payloads);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        CheckStatus(response);
        worker.CallCompleted(started);
    }

    private static async Task StreamAsync(HttpMessageInvoker invoker, Uri uri, Payloads payloads, bool protobuf, LoadWorker worker, CancellationToken cancellationToken)
    {
        using var request = CreateRequest(uri, protobuf ? Frame(payloads.StreamRequest) : payloads.StreamRequestFrame);
        using var response = await invoker.SendAsync(request, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var received = await ReadFramesAsync(body, payloads, protobuf, worker, cancellationToken);
        if (received != payloads.StreamMessages)
        {
            throw new InvalidOperationException($"The stream ended after {received} of {payloads.StreamMessages} messages.");
        }

        CheckStatus(response);
    }

    /// <summary>
    /// The bare reader of a streamed response body: frames split with <see cref="MessageReader.TryReadFrame"/>, each
    /// checked for the expected size and, with <paramref name="protobuf"/>, parsed into a message. Also the bare
    /// reader of the in-process read-path benchmark (no worker there). Returns how many frames came.
    /// </summary>
    internal static async Task<int> ReadFramesAsync(Stream body, Payloads payloads, bool protobuf, LoadWorker? worker, CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(body, StreamingBody);
        var frames = new MessageReader(maxMessageSize: null, compression: null);
        var expectedPayload = payloads.StreamResponseFrame.Length - 5;
        var received = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                while (frames.TryReadFrame(ref buffer, out _, out var payload))
                {
                    if (payload.Length != expectedPayload)
                    {
                        throw new InvalidOperationException($"Streamed frame of {payload.Length} bytes, expected {expectedPayload}.");
                    }

                    if (protobuf)
                    {
                        CheckPayload(StreamingOutputCallResponse.Parser.ParseFrom(payload).Payload, payloads);
                    }

                    received++;
                    worker?.MessageReceived();
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return received;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    /// <summary>A request frame serialized for this call, as a runtime serializes each call's request.</summary>
    private static byte[] Frame(IMessage message)
    {
        var output = new ArrayBufferWriter<byte>(5 + message.CalculateSize());
        RawEndpoints.WriteFrame(output, message);
        return output.WrittenSpan.ToArray();
    }

    private static void CheckPayload(Payload payload, Payloads payloads)
    {
        if (payload.Body.Length != payloads.PayloadSize)
        {
            throw new InvalidOperationException($"Response payload of {payload.Body.Length} bytes, expected {payloads.PayloadSize}.");
        }
    }

    /// <summary>The request our channel sends, minus what only a runtime adds (user-agent, grpc-accept-encoding).</summary>
    private static HttpRequestMessage CreateRequest(Uri uri, byte[] frame)
    {
        var content = new ByteArrayContent(frame);
        content.Headers.TryAddWithoutValidation(GrpcProtocol.ContentTypeHeader, GrpcProtocol.GrpcContentType);
        var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, "trailers");
        return request;
    }

    private static void CheckStatus(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK
            || !response.TrailingHeaders.NonValidated.TryGetValues(GrpcProtocol.StatusTrailer, out var status)
            || status.ToString() != "0")
        {
            throw new InvalidOperationException($"The response ended with HTTP {(int)response.StatusCode} and no grpc-status: 0 trailer.");
        }
    }
}
