using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using Grpc.Testing;
using Rpc.Wire;

namespace DevServer.Benchmarks.Serving;

/// <summary>
/// The ceiling: plain Kestrel request delegates on the same paths that move the same bytes as a gRPC server —
/// read the request body to its end, write pre-built response frames, end with a <c>grpc-status: 0</c> trailer —
/// with no gRPC runtime in between (no routing to a service, no (de)serialization, no call object). With
/// <c>protobuf</c> they parse the request and build and serialize every response message, as BenchTestService does,
/// but still without a runtime: the raw + protobuf contender.
/// </summary>
internal static class RawEndpoints
{
    public static IEndpointRouteBuilder MapRawEndpoints(this IEndpointRouteBuilder endpoints, Payloads payloads, bool protobuf)
    {
        if (protobuf)
        {
            endpoints.MapPost(Payloads.UnaryPath, UnaryProtobufAsync);
            endpoints.MapPost(Payloads.StreamPath, StreamProtobufAsync);
            return endpoints;
        }

        var unaryFrame = payloads.UnaryResponseFrame;
        var streamFrame = payloads.StreamResponseFrame;
        var streamMessages = payloads.StreamMessages;
        endpoints.MapPost(Payloads.UnaryPath, http => UnaryAsync(http, unaryFrame));
        endpoints.MapPost(Payloads.StreamPath, http => StreamAsync(http, streamFrame, streamMessages));
        return endpoints;
    }

    /// <summary>Headers, one frame and trailers leave together when the delegate returns, as ours does for unary.</summary>
    private static async Task UnaryAsync(HttpContext http, byte[] frame)
    {
        await DrainRequestAsync(http.Request.BodyReader, http.RequestAborted);
        StartResponse(http.Response);
        http.Response.BodyWriter.Write(frame);
        http.Response.AppendTrailer(GrpcProtocol.StatusTrailer, "0");
    }

    /// <summary>One flush per frame, as ours flushes each streamed message.</summary>
    private static async Task StreamAsync(HttpContext http, byte[] frame, int count)
    {
        await DrainRequestAsync(http.Request.BodyReader, http.RequestAborted);
        StartResponse(http.Response);
        var body = http.Response.BodyWriter;
        for (var i = 0; i < count; i++)
        {
            body.Write(frame);
            var flushed = await body.FlushAsync(http.RequestAborted);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return;
            }
        }

        http.Response.AppendTrailer(GrpcProtocol.StatusTrailer, "0");
    }

    private static async Task UnaryProtobufAsync(HttpContext http)
    {
        var request = await ReadRequestAsync(http.Request.BodyReader, SimpleRequest.Parser, http.RequestAborted);
        StartResponse(http.Response);
        WriteFrame(http.Response.BodyWriter, new SimpleResponse { Payload = BenchTestService.Zeros(request.ResponseSize) });
        http.Response.AppendTrailer(GrpcProtocol.StatusTrailer, "0");
    }

    private static async Task StreamProtobufAsync(HttpContext http)
    {
        var request = await ReadRequestAsync(http.Request.BodyReader, StreamingOutputCallRequest.Parser, http.RequestAborted);
        StartResponse(http.Response);
        var body = http.Response.BodyWriter;
        foreach (var parameter in request.ResponseParameters)
        {
            WriteFrame(body, new StreamingOutputCallResponse { Payload = BenchTestService.Zeros(parameter.Size) });
            var flushed = await body.FlushAsync(http.RequestAborted);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return;
            }
        }

        http.Response.AppendTrailer(GrpcProtocol.StatusTrailer, "0");
    }

    /// <summary>
    /// Writes one uncompressed frame, the message serialized straight behind its prefix: what the runtime's
    /// MessageWriter does, by hand. Also builds the raw + protobuf client's request frames.
    /// </summary>
    internal static void WriteFrame(IBufferWriter<byte> output, IMessage message)
    {
        var size = message.CalculateSize();
        var frame = output.GetSpan(5 + size);
        frame[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(frame[1..], (uint)size);
        message.WriteTo(frame.Slice(5, size));
        output.Advance(5 + size);
    }

    /// <summary>The request's one message, parsed once the body has ended.</summary>
    private static async Task<T> ReadRequestAsync<T>(PipeReader body, MessageParser<T> parser, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        while (true)
        {
            var result = await body.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (!result.IsCompleted)
            {
                body.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            try
            {
                return buffer.Length >= 5
                    ? parser.ParseFrom(buffer.Slice(5))
                    : throw new InvalidOperationException("The request body holds no frame.");
            }
            finally
            {
                body.AdvanceTo(buffer.End);
            }
        }
    }

    private static void StartResponse(HttpResponse response)
    {
        response.ContentType = GrpcProtocol.GrpcContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = CompressionProviders.Default.AcceptEncoding;
    }

    private static async Task DrainRequestAsync(PipeReader body, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await body.ReadAsync(cancellationToken);
            body.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }
}
