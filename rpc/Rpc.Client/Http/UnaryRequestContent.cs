using System.Net;

namespace Rpc.Client.Http;

/// <summary>
/// The body of a unary or server-streaming request: the one message frame, serialized before the request is sent
/// (so a size or serializer error fails the call without a request). Can be written more than once, which the
/// handler needs when it retries a request the server refused before processing it.
/// </summary>
internal sealed class UnaryRequestContent(byte[] frame) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(frame, cancellationToken).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = frame.Length;
        return true;
    }
}
