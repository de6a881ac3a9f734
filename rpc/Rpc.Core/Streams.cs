namespace Rpc;

/// <summary>Reads a stream of messages; <see cref="MoveNext"/> then <see cref="Current"/>.</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNext"/>.</summary>
    T Current { get; }

    /// <summary>Advances to the next message; false at the end of the stream.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken);
}

/// <summary>Writes a stream of messages. Not thread-safe: one write at a time.</summary>
public interface IAsyncStreamWriter<in T>
{
    /// <summary>Options for the following writes (e.g. to skip compression).</summary>
    WriteOptions? WriteOptions { get; set; }

    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}

/// <summary>The response stream of a server handler.</summary>
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>;

/// <summary>The request stream of a client call; complete it to half-close.</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Signals that no more requests follow.</summary>
    Task CompleteAsync();
}

/// <summary>Extensions that make stream readers feel like the rest of .NET.</summary>
public static class AsyncStreamReaderExtensions
{
    /// <summary>
    /// Reads all remaining messages as an <see cref="IAsyncEnumerable{T}"/>. Cancelling
    /// <paramref name="cancellationToken"/> (or the token given to <c>GetAsyncEnumerator</c>, e.g. through
    /// <c>WithCancellation</c>) cancels the pending read.
    /// </summary>
    public static IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new StreamReaderEnumerable<T>(reader, cancellationToken);
    }

    // Written by hand rather than as an async iterator: a streamed read usually completes at once (one network read
    // brings in many messages), and then MoveNextAsync hands back the reader's result without running an iterator
    // state machine, a ValueTask source and two interface calls per message.
    private sealed class StreamReaderEnumerable<T>(IAsyncStreamReader<T> reader, CancellationToken cancellationToken) : IAsyncEnumerable<T>
    {
        public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken enumeratorToken = default)
        {
            if (!enumeratorToken.CanBeCanceled || enumeratorToken == cancellationToken)
            {
                return new Enumerator(reader, linked: null, cancellationToken);
            }

            if (!cancellationToken.CanBeCanceled)
            {
                return new Enumerator(reader, linked: null, enumeratorToken);
            }

            var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enumeratorToken);
            return new Enumerator(reader, linked, linked.Token);
        }

        private sealed class Enumerator(IAsyncStreamReader<T> reader, CancellationTokenSource? linked, CancellationToken cancellationToken)
            : IAsyncEnumerator<T>
        {
            public T Current => reader.Current;

            public ValueTask<bool> MoveNextAsync()
            {
                var next = reader.MoveNext(cancellationToken);
                return next.IsCompletedSuccessfully ? new ValueTask<bool>(next.Result) : new ValueTask<bool>(next);
            }

            public ValueTask DisposeAsync()
            {
                linked?.Dispose();
                return default;
            }
        }
    }
}

/// <summary>Flags for a single write.</summary>
[Flags]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Mirrors grpc-dotnet's WriteFlags.")]
public enum WriteFlags
{
    None = 0,

    /// <summary>Hint to flush less eagerly (may be ignored).</summary>
    BufferHint = 1,

    /// <summary>Send this message uncompressed even when the call compresses.</summary>
    NoCompress = 2,
}

/// <summary>Options for writes.</summary>
public sealed record WriteOptions(WriteFlags Flags = WriteFlags.None)
{
    public static readonly WriteOptions Default = new();
}
