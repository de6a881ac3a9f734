using Rpc.Client.Http;

namespace Rpc.Client.Tests;

public sealed class ResponseBufferPoolTests
{
    [Fact]
    public void Rent_AfterReturn_HandsOutTheSameBlockAgain()
    {
        using var pool = new ResponseBufferPool();
        var first = pool.Rent(1024);
        var block = first.Memory;
        first.Dispose();

        using var second = pool.Rent(ResponseBufferPool.BlockSize);

        Assert.Equal(ResponseBufferPool.BlockSize, block.Length);
        Assert.True(second.Memory.Span.Overlaps(block.Span), "the returned block was not reused");
        Assert.Equal(0, pool.IdleCount);
    }

    [Fact]
    public void Lease_DisposedTwice_ReturnsItsBlockOnce()
    {
        using var pool = new ResponseBufferPool();
        var lease = pool.Rent();

        lease.Dispose();
        lease.Dispose();

        Assert.Equal(1, pool.IdleCount);
        Assert.Throws<ObjectDisposedException>(() => lease.Memory);
    }

    [Fact]
    public void Return_BeyondTheCap_LeavesTheRestToTheGc()
    {
        using var pool = new ResponseBufferPool();
        var leases = Enumerable.Range(0, ResponseBufferPool.MaxRetainedBlocks + 10).Select(_ => pool.Rent()).ToList();

        leases.ForEach(lease => lease.Dispose());

        Assert.Equal(ResponseBufferPool.MaxRetainedBlocks, pool.IdleCount);
    }

    [Fact]
    public void DisposedPool_StillRentsButKeepsNothing()
    {
        var pool = new ResponseBufferPool();
        var held = pool.Rent();
        pool.Rent().Dispose();

        pool.Dispose();
        held.Dispose();
        using var late = pool.Rent();

        Assert.Equal(0, pool.IdleCount);
        Assert.Equal(ResponseBufferPool.BlockSize, late.Memory.Length);
    }

    [Fact]
    public void Rent_LargerThanABlock_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResponseBufferPool().Rent(ResponseBufferPool.BlockSize + 1));
}
