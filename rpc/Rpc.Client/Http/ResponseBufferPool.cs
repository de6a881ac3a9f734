using System.Buffers;
using System.Collections.Concurrent;

namespace Rpc.Client.Http;

/// <summary>
/// The blocks a channel's streamed response bodies are read into, kept by the channel and reused call after call.
/// </summary>
/// <remarks>
/// A streaming call holds its pipe's block for as long as it runs. The shared <see cref="ArrayPool{T}"/> keeps only
/// a few dozen arrays per size and core, and HttpClient's HTTP/2 streams draw their 16 KiB receive blocks from the
/// same stock. With 64 concurrent streams it ran dry: about half the rents were fresh 16 KiB arrays, which lived for
/// the whole call, survived gen0 and made most of the client's collections gen1 and gen2 ones. This pool keeps up to
/// <see cref="MaxRetainedBlocks"/> blocks, as many as the channel's busiest moment used, and gives each rent its own
/// lease so that a second dispose can never hand back a block someone else holds.
/// </remarks>
internal sealed class ResponseBufferPool : MemoryPool<byte>
{
    /// <summary>Size of every block: room for about 150 small messages per network read.</summary>
    public const int BlockSize = 16 * 1024;

    /// <summary>Idle blocks kept at most (4 MiB): beyond that, returned blocks are left to the GC.</summary>
    public const int MaxRetainedBlocks = 256;

    private readonly ConcurrentQueue<byte[]> _idle = new();
    private int _idleCount;
    private int _createdCount;
    private volatile bool _disposed;

    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks waiting to be rented (for tests).</summary>
    internal int IdleCount => Volatile.Read(ref _idleCount);

    /// <summary>Blocks allocated so far, kept or not (for tests).</summary>
    internal int CreatedCount => Volatile.Read(ref _createdCount);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        // Still served after the channel is disposed (a call ending then may read on), just no longer kept.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_idle.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _idleCount);
        }
        else
        {
            block = GC.AllocateUninitializedArray<byte>(BlockSize);
            Interlocked.Increment(ref _createdCount);
        }

        return new Lease(this, block);
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _idle.Clear();
        Volatile.Write(ref _idleCount, 0);
    }

    private void Return(byte[] block)
    {
        // Calls still running when the channel is disposed hand their blocks back afterwards: drop those.
        if (_disposed)
        {
            return;
        }

        if (Interlocked.Increment(ref _idleCount) > MaxRetainedBlocks)
        {
            Interlocked.Decrement(ref _idleCount);
            return;
        }

        _idle.Enqueue(block);
    }

    private sealed class Lease(ResponseBufferPool pool, byte[] block) : IMemoryOwner<byte>
    {
        private byte[]? _block = block;

        public Memory<byte> Memory => _block ?? throw new ObjectDisposedException(nameof(ResponseBufferPool));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _block, null) is { } returned)
            {
                pool.Return(returned);
            }
        }
    }
}
