using System.IO.Pipelines;
using DevServer.Interop.Shared;
using Microsoft.AspNetCore.Http.Features;
using Rpc;
using Rpc.Server;
using Rpc.Wire;

namespace DevServer.Interop.Server;

/// <summary>
/// Makes the compressed flag of each request message visible to the handlers (the interop feature
/// CompressedRequest): Rpc.Server decompresses frames without telling the handler how they arrived, so a
/// middleware puts a <see cref="FrameObservingStream"/> under the request body before the call starts.
/// </summary>
internal static class RequestFrameObservation
{
    // Same as PipeReader.Create's defaults, but the pipe does not dispose Kestrel's request stream.
    private static readonly StreamPipeReaderOptions ReaderOptions = new(leaveOpen: true);

    /// <summary>Observes the frames of every binary gRPC and gRPC-Web request (base64 gRPC-Web text is left alone).</summary>
    public static IApplicationBuilder UseRequestFrameObservation(this IApplicationBuilder app) =>
        app.Use((http, next) =>
        {
            if (GrpcProtocol.ParseContentType(http.Request.ContentType) is GrpcWireFormat.Grpc or GrpcWireFormat.Web)
            {
                var frames = new ObservedFrames();
                var body = new FrameObservingStream(http.Request.Body, frames);
                http.Request.Body = body;
                http.Features.Set<IRequestBodyPipeFeature>(new ObservedBodyPipe(PipeReader.Create(body, ReaderOptions)));
                http.Features.Set(frames);
            }

            return next(http);
        });

    /// <summary>
    /// Whether the next request message (in the order the handler reads them) arrived compressed; null when the
    /// request body was not observed (gRPC-Web text).
    /// </summary>
    public static bool? NextRequestCompressed(this ServerCallContext context) =>
        context.GetHttpContext().Features.Get<ObservedFrames>() is { } frames && frames.TryTakeNext(out var flags)
            ? ObservedFrames.IsCompressed(flags)
            : null;

    private sealed class ObservedBodyPipe(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }
}
