using System.Buffers.Binary;
using System.Collections.Concurrent;
using DevServer.Testing;
using Rpc.Wire;

namespace DevServer.Interop.Shared;

/// <summary>The flags byte of every gRPC frame an observer saw pass, in order.</summary>
internal sealed class ObservedFrames
{
    private readonly ConcurrentQueue<byte> _flags = new();

    /// <summary>Takes the flags of the oldest frame not taken yet (one call per message read).</summary>
    public bool TryTakeNext(out byte flags) => _flags.TryDequeue(out flags);

    /// <summary>The flags of the frames not taken yet, oldest first.</summary>
    public IReadOnlyList<byte> Snapshot() => _flags.ToArray();

    public static bool IsCompressed(byte flags) => (flags & GrpcProtocol.CompressedFlag) != 0;

    /// <summary>False for the gRPC-Web trailers frame, which is not a message.</summary>
    public static bool IsMessage(byte flags) => (flags & GrpcProtocol.WebTrailersFlag) == 0;

    internal void Add(byte flags) => _flags.Enqueue(flags);
}

/// <summary>
/// A read-only stream over a gRPC body (binary framing: gRPC or gRPC-Web, not base64 text) that records the
/// flags byte of each frame as its 5-byte prefix passes. The interop cases need the per-message compressed flag,
/// which the runtime's readers consume without exposing; this observer sits under them on the same bytes and
/// only reads prefixes and skips payloads, so it cannot change what the runtime sees.
/// </summary>
internal sealed class FrameObservingStream(Stream inner, ObservedFrames frames) : ReadOnlyStream
{
    private const int PrefixLength = 5;

    private readonly byte[] _prefix = new byte[PrefixLength];
    private int _prefixFilled;
    private long _payloadRemaining;

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Observe(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Observe(buffer.Span[..read]);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Observe(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_payloadRemaining > 0)
            {
                var skip = (int)Math.Min(_payloadRemaining, data.Length);
                _payloadRemaining -= skip;
                data = data[skip..];
                continue;
            }

            var take = Math.Min(PrefixLength - _prefixFilled, data.Length);
            data[..take].CopyTo(_prefix.AsSpan(_prefixFilled));
            _prefixFilled += take;
            data = data[take..];
            if (_prefixFilled == PrefixLength)
            {
                frames.Add(_prefix[0]);
                _payloadRemaining = BinaryPrimitives.ReadUInt32BigEndian(_prefix.AsSpan(1));
                _prefixFilled = 0;
            }
        }
    }
}
