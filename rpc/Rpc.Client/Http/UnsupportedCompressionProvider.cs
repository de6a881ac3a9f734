using Rpc.Wire;

namespace Rpc.Client.Http;

/// <summary>
/// Stands in for a response <c>grpc-encoding</c> the channel does not support. The gRPC spec allows such an encoding
/// as long as no message is compressed with it, so the call fails (INTERNAL) only when a compressed message arrives.
/// </summary>
internal sealed class UnsupportedCompressionProvider(string encodingName) : ICompressionProvider
{
    public string EncodingName => encodingName;

    public Stream CreateCompressionStream(Stream destination) => throw Unsupported();

    public Stream CreateDecompressionStream(Stream source) => throw Unsupported();

    private RpcException Unsupported() => new(new Status(
        StatusCode.Internal,
        $"The server compressed a message with grpc-encoding '{encodingName}', which this channel does not support."));
}
