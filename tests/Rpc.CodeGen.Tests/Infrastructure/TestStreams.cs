namespace Rpc.CodeGen.Tests.Infrastructure;

/// <summary>A request stream over a fixed list of messages.</summary>
internal sealed class ListReader<T>(params T[] messages) : IAsyncStreamReader<T>
{
    private int position = -1;

    public T Current => messages[position];

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(++position < messages.Length);
    }
}

/// <summary>A response stream that keeps what was written.</summary>
internal sealed class CollectingWriter<T> : IServerStreamWriter<T>
{
    public List<T> Written { get; } = [];

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        Written.Add(message);
        return Task.CompletedTask;
    }
}
