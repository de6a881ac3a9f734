using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Rpc.Wire;

/// <summary>
/// Reads length-prefixed gRPC messages from a <see cref="PipeReader"/>. One instance per call direction; not
/// thread-safe. Checks the length prefix against the limit before buffering the payload, so an oversized
/// message is refused without being read into memory.
/// </summary>
public sealed class MessageReader
{
    private readonly FrameDeserializationContext _context = new();

    /// <param name="maxMessageSize">Largest payload allowed (after decompression); null for no limit.</param>
    /// <param name="compression">The call's <c>grpc-encoding</c>, or null for identity.</param>
    public MessageReader(int? maxMessageSize, ICompressionProvider? compression)
    {
        MaxMessageSize = maxMessageSize;
        Compression = compression;
    }

    public int? MaxMessageSize { get; }

    public ICompressionProvider? Compression { get; set; }

    /// <summary>
    /// Reads the next message, or returns null at a clean end of the stream. Throws <see cref="RpcException"/>:
    /// RESOURCE_EXHAUSTED for an oversized message, INTERNAL for a truncated frame, a compressed frame without an
    /// encoding, or a payload the deserializer rejects.
    /// </summary>
    /// <remarks>
    /// The state machine comes from a pool: a stream of small messages takes this path once per network read, and
    /// callers await the result once, as a <see cref="ValueTask{TResult}"/> requires anyway.
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T?> ReadAsync<T>(PipeReader reader, Marshaller<T> marshaller, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(marshaller);
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start);
                throw new OperationCanceledException("The read was cancelled.");
            }

            bool framed;
            try
            {
                framed = TryReadFrame(ref buffer, out var compressed, out var payload);
                if (framed)
                {
                    var message = Deserialize(payload, compressed, marshaller);
                    reader.AdvanceTo(buffer.Start);
                    return message;
                }
            }
            catch
            {
                reader.AdvanceTo(buffer.Start);
                throw;
            }

            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                if (buffer.Length == 0)
                {
                    return null;
                }

                throw new RpcException(new Status(StatusCode.Internal, "Incomplete message: the stream ended inside a frame."));
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Takes one whole message off the front of <paramref name="buffer"/> if its frame is all there, without
    /// waiting: a streamed read usually brings in many messages, and this lets a caller that holds on to one read's
    /// buffer take them one by one. False (buffer unchanged) when more bytes are needed. Throws like
    /// <see cref="ReadAsync{T}"/>.
    /// </summary>
    public bool TryReadMessage<T>(ref ReadOnlySequence<byte> buffer, Marshaller<T> marshaller, [NotNullWhen(true)] out T? message)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(marshaller);
        var rest = buffer;
        if (!TryReadFrame(ref rest, out var compressed, out var payload))
        {
            message = null;
            return false;
        }

        message = Deserialize(payload, compressed, marshaller)
            ?? throw new RpcException(new Status(StatusCode.Internal, "The deserializer returned no message."));
        buffer = rest;
        return true;
    }

    /// <summary>
    /// Takes one whole frame off the front of <paramref name="buffer"/> if it is there. Throws RESOURCE_EXHAUSTED
    /// as soon as the prefix announces more than the limit.
    /// </summary>
    public bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        compressed = false;
        payload = default;
        if (buffer.Length < 5)
        {
            return false;
        }

        // The prefix is nearly always within the first segment; copying it out is for the rare split one.
        var first = buffer.FirstSpan;
        Span<byte> split = stackalloc byte[5];
        ReadOnlySpan<byte> header = first.Length >= 5 ? first : split;
        if (first.Length < 5)
        {
            buffer.Slice(0, 5).CopyTo(split);
        }

        var flags = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)(MaxMessageSize ?? int.MaxValue))
        {
            throw new RpcException(new Status(
                StatusCode.ResourceExhausted,
                $"Received message exceeds the maximum configured message size ({length} > {MaxMessageSize} bytes)."));
        }

        if (buffer.Length < 5 + length)
        {
            return false;
        }

        compressed = (flags & GrpcProtocol.CompressedFlag) != 0;
        payload = buffer.Slice(5, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    private T Deserialize<T>(ReadOnlySequence<byte> payload, bool compressed, Marshaller<T> marshaller)
    {
        if (compressed)
        {
            if (Compression is null)
            {
                throw new RpcException(new Status(
                    StatusCode.Internal,
                    "Received a compressed message but the call has no grpc-encoding (or identity)."));
            }

            payload = Decompress(payload, Compression);
        }

        _context.Payload = payload;
        try
        {
            return marshaller.ContextualDeserializer(_context);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize message: " + ex.Message, ex));
        }
        finally
        {
            _context.Payload = default;
        }
    }

    private ReadOnlySequence<byte> Decompress(ReadOnlySequence<byte> payload, ICompressionProvider compression)
    {
        var limit = MaxMessageSize ?? int.MaxValue;
        var source = new MemoryStream(payload.ToArray(), writable: false);
        using var zip = compression.CreateDecompressionStream(source);
        var output = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = zip.Read(chunk, 0, chunk.Length)) > 0)
            {
                // Stop a compression bomb as soon as it passes the limit instead of inflating it all.
                if (output.Length + read > limit)
                {
                    throw new RpcException(new Status(
                        StatusCode.ResourceExhausted,
                        $"Received message exceeds the maximum configured message size after decompression (> {limit} bytes)."));
                }

                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to decompress message: " + ex.Message, ex));
        }

        return new ReadOnlySequence<byte>(output.GetBuffer(), 0, (int)output.Length);
    }

    private sealed class FrameDeserializationContext : DeserializationContext
    {
        public ReadOnlySequence<byte> Payload { get; set; }

        public override int PayloadLength => (int)Payload.Length;

        public override byte[] PayloadAsNewBuffer() => Payload.ToArray();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => Payload;
    }
}
