using Google.Protobuf;
using Grpc.Testing;

namespace Rpc.EndToEnd.Tests.Infrastructure;

/// <summary>Messages of an exact serialized size, for tests at the message size limits.</summary>
internal static class Messages
{
    /// <summary>The default message size limit of both sides (4 MiB).</summary>
    public const int DefaultLimit = 4 * 1024 * 1024;

    // Shared and never written: payload bodies wrap slices of it instead of allocating megabytes per message.
    private static readonly byte[] Zeros = new byte[DefaultLimit + 1024];

    /// <summary>
    /// A unary request whose serialized size is <paramref name="requestSize"/> and which asks for a response whose
    /// serialized size is <paramref name="responseSize"/>.
    /// </summary>
    public static SimpleRequest UnaryRequest(int requestSize, int responseSize)
    {
        var responseBody = BodyLengthFor(responseSize, body => new SimpleResponse { Payload = new Payload { Body = body } });
        var requestBody = BodyLengthFor(requestSize, body => new SimpleRequest { ResponseSize = responseBody, Payload = new Payload { Body = body } });
        return new SimpleRequest { ResponseSize = responseBody, Payload = new Payload { Body = Body(requestBody) } };
    }

    /// <summary>A body of <paramref name="length"/> zero bytes.</summary>
    public static ByteString Body(int length) => UnsafeByteOperations.UnsafeWrap(Zeros.AsMemory(0, length));

    /// <summary>The payload body length that makes <paramref name="build"/>'s message exactly <paramref name="messageSize"/> bytes.</summary>
    private static int BodyLengthFor(int messageSize, Func<ByteString, IMessage> build)
    {
        var length = messageSize;
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var size = build(Body(length)).CalculateSize();
            if (size == messageSize)
            {
                return length;
            }

            // Length prefixes are varints, so the overhead shifts by a byte near a power of 128; a few rounds settle it.
            length += messageSize - size;
        }

        throw new InvalidOperationException($"No payload body makes a message of exactly {messageSize} bytes.");
    }

    /// <summary>True when every byte is zero, i.e. the payload survived compression and framing intact.</summary>
    public static bool IsAllZeros(ByteString body) =>
        body.Span.IndexOfAnyExcept((byte)0) < 0;
}
