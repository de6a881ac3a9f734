using Google.Protobuf;
using Grpc.Testing;
using Rpc;

namespace DevServer.Interop.Server;

/// <summary>
/// grpc.testing.TestService with the server features of the standard interop test descriptions: payload sizes,
/// Echo Status, Echo Metadata, CompressedRequest, CompressedResponse and interval_us. UnimplementedCall keeps the
/// generated default (UNIMPLEMENTED), as the unimplemented_method case requires.
/// </summary>
internal sealed class InteropTestService(TimeProvider timeProvider) : TestService.TestServiceBase
{
    private const string EchoInitialKey = "x-grpc-test-echo-initial";
    private const string EchoTrailingKey = "x-grpc-test-echo-trailing-bin";
    private const string Gzip = "gzip";

    private static readonly WriteOptions Uncompressed = new(WriteFlags.NoCompress);

    public override async Task<Empty> EmptyCall(Empty request, ServerCallContext context)
    {
        await EchoMetadataAsync(context);
        return new Empty();
    }

    public override async Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context)
    {
        if (request.ResponseCompressed?.Value == true)
        {
            context.ResponseCompression = Gzip;
        }

        await EchoMetadataAsync(context);
        CheckCompression(request.ExpectCompressed, context);
        CheckResponse(request.ResponseType, [request.ResponseSize]);
        ThrowEchoedStatus(request.ResponseStatus);
        return new SimpleResponse { Payload = Zeros(request.ResponseSize) };
    }

    /// <summary>Cacheable by a proxy (cache-control), with a body that differs on every call: the current time in ns.</summary>
    public override async Task<SimpleResponse> CacheableUnaryCall(SimpleRequest request, ServerCallContext context)
    {
        var headers = new Metadata { { "cache-control", "max-age=60, public" } };
        foreach (var entry in context.RequestHeaders.GetAll(EchoInitialKey))
        {
            headers.Add(entry);
        }

        EchoTrailers(context);
        await context.WriteResponseHeadersAsync(headers);
        var nanoseconds = (timeProvider.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        var body = ByteString.CopyFromUtf8(nanoseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new SimpleResponse { Payload = new Payload { Type = PayloadType.Compressable, Body = body } };
    }

    public override async Task StreamingOutputCall(
        StreamingOutputCallRequest request,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        if (request.ResponseParameters.Any(p => p.Compressed?.Value == true))
        {
            context.ResponseCompression = Gzip;
        }

        await EchoMetadataAsync(context);
        CheckResponse(request.ResponseType, request.ResponseParameters.Select(p => p.Size));
        await WriteResponsesAsync(request.ResponseParameters, responseStream, context);
        ThrowEchoedStatus(request.ResponseStatus);
    }

    public override async Task<StreamingInputCallResponse> StreamingInputCall(
        IAsyncStreamReader<StreamingInputCallRequest> requestStream,
        ServerCallContext context)
    {
        await EchoMetadataAsync(context);
        var total = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            CheckCompression(request.ExpectCompressed, context);
            total += request.Payload?.Body.Length ?? 0;
        }

        return new StreamingInputCallResponse { AggregatedPayloadSize = total };
    }

    /// <summary>Answers each request as it arrives (ping-pong).</summary>
    public override async Task FullDuplexCall(
        IAsyncStreamReader<StreamingOutputCallRequest> requestStream,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        // Which responses are compressed is only known as requests arrive, after the headers went out: announce
        // gzip and send every response the client did not ask to be compressed with NoCompress.
        context.ResponseCompression = Gzip;
        await EchoMetadataAsync(context);
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await RespondAsync(request, responseStream, context);
        }
    }

    /// <summary>Buffers every request until the client half-closes, then answers them in order.</summary>
    public override async Task HalfDuplexCall(
        IAsyncStreamReader<StreamingOutputCallRequest> requestStream,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        context.ResponseCompression = Gzip;
        await EchoMetadataAsync(context);
        var requests = new List<StreamingOutputCallRequest>();
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            requests.Add(request);
        }

        foreach (var request in requests)
        {
            await RespondAsync(request, responseStream, context);
        }
    }

    /// <summary>One request of a duplex call: its responses, or (Echo Status) the end of the call.</summary>
    private async Task RespondAsync(
        StreamingOutputCallRequest request,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        CheckResponse(request.ResponseType, request.ResponseParameters.Select(p => p.Size));
        ThrowEchoedStatus(request.ResponseStatus);
        await WriteResponsesAsync(request.ResponseParameters, responseStream, context);
    }

    /// <summary>One response per parameter, each after its interval_us, compressed only when asked.</summary>
    private async Task WriteResponsesAsync(
        IEnumerable<ResponseParameters> parameters,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        foreach (var parameter in parameters)
        {
            if (parameter.IntervalUs > 0)
            {
                await Task.Delay(TimeSpan.FromMicroseconds(parameter.IntervalUs), timeProvider, context.CancellationToken);
            }

            responseStream.WriteOptions = parameter.Compressed?.Value == true ? WriteOptions.Default : Uncompressed;
            await responseStream.WriteAsync(new StreamingOutputCallResponse { Payload = Zeros(parameter.Size) }, context.CancellationToken);
        }
    }

    /// <summary>Echo Metadata: the initial key back as a response header, the trailing key as a trailer.</summary>
    private static Task EchoMetadataAsync(ServerCallContext context)
    {
        EchoTrailers(context);
        var headers = new Metadata();
        foreach (var entry in context.RequestHeaders.GetAll(EchoInitialKey))
        {
            headers.Add(entry);
        }

        return headers.Count == 0 ? Task.CompletedTask : context.WriteResponseHeadersAsync(headers);
    }

    private static void EchoTrailers(ServerCallContext context)
    {
        foreach (var entry in context.RequestHeaders.GetAll(EchoTrailingKey))
        {
            context.ResponseTrailers.Add(entry);
        }
    }

    /// <summary>
    /// CompressedRequest: when expect_compressed is set, the compressed flag of the frame the message came in
    /// must match it. Takes the next message's flag in every case, so later messages stay in step.
    /// </summary>
    private static void CheckCompression(BoolValue? expected, ServerCallContext context)
    {
        var arrived = context.NextRequestCompressed();
        if (expected is null || arrived is null || expected.Value == arrived.Value)
        {
            return;
        }

        throw new RpcException(new Status(
            StatusCode.InvalidArgument,
            expected.Value ? "Expected a compressed request, got an uncompressed one." : "Expected an uncompressed request, got a compressed one."));
    }

    /// <summary>Only COMPRESSABLE payloads exist; other types and negative sizes are INVALID_ARGUMENT.</summary>
    private static void CheckResponse(PayloadType type, IEnumerable<int> sizes)
    {
        if (type != PayloadType.Compressable)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Unsupported response_type {type}."));
        }

        if (sizes.Any(size => size < 0))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "A response size is negative."));
        }
    }

    /// <summary>Echo Status: a non-zero response_status ends the call with that code and message.</summary>
    private static void ThrowEchoedStatus(EchoStatus? status)
    {
        if (status is { Code: not 0 })
        {
            throw new RpcException(new Status((StatusCode)status.Code, status.Message));
        }
    }

    private static Payload Zeros(int size) =>
        new() { Type = PayloadType.Compressable, Body = UnsafeByteOperations.UnsafeWrap(new byte[size]) };
}
