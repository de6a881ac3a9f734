using System.Net;
using DevServer.Interop.Shared;
using Rpc.Wire;

namespace DevServer.Interop.Client;

/// <summary>
/// Lets a case see the compressed flag of each response message (CompressedResponse): Rpc.Client inflates frames
/// without telling the caller how they arrived, so this handler sits under the channel and puts a
/// <see cref="FrameObservingStream"/> under the bodies of the calls a case asked to observe.
/// </summary>
internal sealed class ResponseFrameObserver(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    // Flows with the case's async code into the channel's SendAsync, which runs on the caller's flow when a call starts.
    private static readonly AsyncLocal<ObservedFrames?> Current = new();

    /// <summary>Observes the responses of every call the current case starts from now on (binary framings only).</summary>
    public static ObservedFrames Observe()
    {
        var frames = new ObservedFrames();
        Current.Value = frames;
        return frames;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var frames = Current.Value;
        var response = await base.SendAsync(request, cancellationToken);
        var contentType = response.Content.Headers.NonValidated.TryGetValues("content-type", out var value) ? value.ToString() : null;
        if (frames is not null && GrpcProtocol.ParseContentType(contentType) is GrpcWireFormat.Grpc or GrpcWireFormat.Web)
        {
            response.Content = new ObservedContent(response.Content, frames);
        }

        return response;
    }

    /// <summary>The response content with the same headers, read through a frame observer.</summary>
    private sealed class ObservedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly ObservedFrames _frames;

        public ObservedContent(HttpContent inner, ObservedFrames frames)
        {
            _inner = inner;
            _frames = frames;
            foreach (var (name, values) in inner.Headers.NonValidated)
            {
                Headers.TryAddWithoutValidation(name, values);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new FrameObservingStream(await _inner.ReadAsStreamAsync(cancellationToken), _frames);

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var source = await CreateContentReadStreamAsync(cancellationToken);
            await source.CopyToAsync(stream, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
