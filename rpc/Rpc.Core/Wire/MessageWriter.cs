using System.Buffers;
using System.Buffers.Binary;

namespace Rpc.Wire;

/// <summary>
/// Writes length-prefixed gRPC messages (1 flag byte, 4-byte big-endian length, payload) into a buffer writer,
/// usually a Kestrel or pipe <c>PipeWriter</c>. One instance per call direction; not thread-safe.
/// Uncompressed protobuf messages are serialized straight into the output after their prefix, without a copy.
/// </summary>
public sealed class MessageWriter
{
    private readonly FrameSerializationContext _context = new();

    /// <param name="maxMessageSize">Largest payload allowed; null for no limit.</param>
    public MessageWriter(int? maxMessageSize)
    {
        MaxMessageSize = maxMessageSize;
    }

    public int? MaxMessageSize { get; }

    /// <summary>
    /// Serializes one message into <paramref name="output"/>. Throws <see cref="RpcException"/> with
    /// RESOURCE_EXHAUSTED when the payload exceeds the limit (nothing is written then), INTERNAL when the
    /// serializer fails.
    /// </summary>
    /// <param name="output">Where the frame goes.</param>
    /// <param name="message">The message.</param>
    /// <param name="marshaller">Its marshaller.</param>
    /// <param name="compression">The call's encoding, or null for identity.</param>
    public void Write<T>(IBufferWriter<byte> output, T message, Marshaller<T> marshaller, ICompressionProvider? compression)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(marshaller);
        _context.Reset(output, compression, MaxMessageSize);
        try
        {
            marshaller.ContextualSerializer(message, _context);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to serialize message: " + ex.Message, ex));
        }
        finally
        {
            _context.Release();
        }

        if (!_context.Completed)
        {
            throw new RpcException(new Status(StatusCode.Internal, "The message serializer did not complete its payload."));
        }
    }

    /// <summary>Writes a frame header for a payload of the given length.</summary>
    public static void WriteHeader(IBufferWriter<byte> output, bool compressed, int length)
    {
        var span = output.GetSpan(5);
        span[0] = compressed ? GrpcProtocol.CompressedFlag : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
        output.Advance(5);
    }

    private sealed class FrameSerializationContext : SerializationContext
    {
        private IBufferWriter<byte>? _output;
        private ICompressionProvider? _compression;
        private int? _maxSize;
        private ArrayBufferWriter<byte>? _scratch;
        private bool _direct;

        // Small uncompressed messages: one block of prefix + payload taken from the output and committed once.
        // Kestrel's HTTP/2 response writer takes a lock on every GetSpan/Advance, so this halves the locking per
        // streamed message compared with writing the prefix and the payload separately.
        private readonly PreparedBlockWriter _block = new();
        private bool _inBlock;

        public bool Completed { get; private set; }

        public void Reset(IBufferWriter<byte> output, ICompressionProvider? compression, int? maxSize)
        {
            _output = output;
            _compression = compression;
            _maxSize = maxSize;
            _direct = false;
            _inBlock = false;
            Completed = false;
        }

        public void Release()
        {
            _output = null;
            // Keep a modest scratch buffer for the next message; drop a big one so one large message does not
            // pin memory for the whole call.
            if (_scratch is { Capacity: > 64 * 1024 })
            {
                _scratch = null;
            }
            else
            {
                _scratch?.ResetWrittenCount();
            }
        }

        public override void Complete(byte[] payload)
        {
            ArgumentNullException.ThrowIfNull(payload);
            WriteFrame(payload);
            Completed = true;
        }

        public override void SetPayloadLength(int payloadLength)
        {
            if (_compression is not null)
            {
                return; // the compressed length is only known after compressing
            }

            CheckSize(payloadLength);
            if (payloadLength is > 0 and <= PreparedBlockWriter.MaxBlockPayload)
            {
                var block = _output!.GetMemory(5 + payloadLength);
                block.Span[0] = 0;
                BinaryPrimitives.WriteUInt32BigEndian(block.Span[1..], (uint)payloadLength);
                _block.Start(block[5..], payloadLength);
                _inBlock = true;
            }
            else
            {
                WriteHeader(_output!, compressed: false, payloadLength);
            }

            _direct = true;
        }

        internal override bool TryGetPayloadSpan(out Span<byte> payload)
        {
            if (!_inBlock)
            {
                payload = default;
                return false;
            }

            payload = _block.TakeAll();
            return true;
        }

        public override IBufferWriter<byte> GetBufferWriter()
        {
            if (_inBlock)
            {
                return _block;
            }

            if (_direct)
            {
                return _output!;
            }

            _scratch ??= new ArrayBufferWriter<byte>(256);
            return _scratch;
        }

        public override void Complete()
        {
            if (_inBlock)
            {
                _output!.Advance(5 + _block.Written);
                _inBlock = false;
            }
            else if (!_direct)
            {
                WriteFrame(_scratch is null ? ReadOnlySpan<byte>.Empty : _scratch.WrittenSpan);
            }

            Completed = true;
        }

        private void WriteFrame(ReadOnlySpan<byte> payload)
        {
            if (_compression is null)
            {
                CheckSize(payload.Length);
                WriteHeader(_output!, compressed: false, payload.Length);
                _output!.Write(payload);
                return;
            }

            using var compressed = new MemoryStream();
            using (var zip = _compression.CreateCompressionStream(compressed))
            {
                zip.Write(payload);
            }

            CheckSize((int)compressed.Length);
            WriteHeader(_output!, compressed: true, (int)compressed.Length);
            _output!.Write(compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }

        private void CheckSize(int length)
        {
            if (length > _maxSize)
            {
                throw new RpcException(new Status(
                    StatusCode.ResourceExhausted,
                    $"Sending message exceeds the maximum configured message size ({length} > {_maxSize} bytes)."));
            }
        }
    }

    /// <summary>
    /// Hands a serializer the payload part of a block already taken from the output. The serializer announced the
    /// payload length, so the block is large enough; asking for more than is left is a serializer bug.
    /// </summary>
    private sealed class PreparedBlockWriter : IBufferWriter<byte>
    {
        /// <summary>Payloads up to this size are written as one block; larger ones are written in segments.</summary>
        public const int MaxBlockPayload = 16 * 1024;

        private Memory<byte> _memory;
        private int _payloadLength;

        public int Written { get; private set; }

        /// <param name="memory">At least <paramref name="payloadLength"/> bytes (a pipe may hand out more).</param>
        /// <param name="payloadLength">The length the serializer announced.</param>
        public void Start(Memory<byte> memory, int payloadLength)
        {
            _memory = memory;
            _payloadLength = payloadLength;
            Written = 0;
        }

        /// <summary>Room for exactly the announced payload, counted as written (the caller fills it before Complete).</summary>
        public Span<byte> TakeAll()
        {
            Written = _payloadLength;
            return _memory.Span[.._payloadLength];
        }

        public void Advance(int count)
        {
            if ((uint)count > (uint)(_memory.Length - Written))
            {
                throw new InvalidOperationException("The serializer wrote more than the payload length it announced.");
            }

            Written += count;
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => Remaining(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => Remaining(sizeHint).Span;

        private Memory<byte> Remaining(int sizeHint)
        {
            var remaining = _memory[Written..];
            if (remaining.Length < Math.Max(sizeHint, 1))
            {
                throw new InvalidOperationException("The serializer needs more room than the payload length it announced.");
            }

            return remaining;
        }
    }
}
