using System.Buffers;
using System.IO.Pipelines;
using Rpc.Wire;

namespace DevServer.Benchmarks.Serving;

/// <summary>
/// The ceiling: plain Kestrel request delegates on the same paths that move the same bytes as a gRPC server —
/// read the request body to its end, write pre-built response frames, end with a <c>grpc-status: 0</c> trailer —
/// with no gRPC runtime in between (no routing to a service, no (de)serialization, no call object).
/// </summary>
internal static class RawEndpoints
{
    public static IEndpointRouteBuilder MapRawEndpoints(this IEndpointRouteBuilder endpoints, Payloads payloads)
    {
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
