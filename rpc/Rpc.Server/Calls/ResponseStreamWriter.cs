namespace Rpc.Server.Calls;

/// <summary>
/// The response stream of a server- or duplex-streaming handler. Each message is flushed at once (unless the
/// write asks for <see cref="WriteFlags.BufferHint"/>). One write at a time; writes after the call ended fail.
/// </summary>
internal sealed class ResponseStreamWriter<T>(ServerCall call, Marshaller<T> marshaller) : IServerStreamWriter<T>
    where T : class
{
    private int _writing;

    public WriteOptions? WriteOptions
    {
        get => call.WriteOptions;
        set => call.WriteOptions = value;
    }

    public Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (call.IsEnded)
        {
            return Task.FromException(new InvalidOperationException("The call is complete: no more messages can be written."));
        }

        if (Interlocked.Exchange(ref _writing, 1) != 0)
        {
            return Task.FromException(new InvalidOperationException("A write is already in progress; the response stream is not thread-safe."));
        }

        ValueTask write;
        try
        {
            var flush = call.WriteOptions is not { } options || (options.Flags & WriteFlags.BufferHint) == 0;
            write = call.WriteMessageAsync(message, marshaller, flush, cancellationToken);
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _writing, 0);
            return Task.FromException(ex);
        }

        // Most writes complete at once (the flush only waits when the client reads slowly): no state machine then.
        if (write.IsCompletedSuccessfully)
        {
            write.GetAwaiter().GetResult(); // consumes it, so a pooled source goes back to its pool
            Volatile.Write(ref _writing, 0);
            return Task.CompletedTask;
        }

        return AwaitWriteAsync(write);
    }

    private async Task AwaitWriteAsync(ValueTask write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }
}
