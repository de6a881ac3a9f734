using System.Net;
using System.Runtime.CompilerServices;

namespace Rpc.Client.Http;

/// <summary>
/// The body of a client- or duplex-streaming request. The handler calls <see cref="SerializeToStreamAsync(Stream, TransportContext?, CancellationToken)"/>
/// after queueing the request headers; the call's writer then writes message frames with <see cref="WriteAsync"/>
/// until <see cref="Complete"/> ends the body (the client's half-close). The content is duplex: the response can arrive
/// and be read while the body is still open.
/// </summary>
/// <remarks>
/// The handler disposes the body stream as soon as <see cref="SerializeToStreamAsync(Stream, TransportContext?, CancellationToken)"/>
/// returns, and the server may end the body at any moment (it finished the response and reset the request side with
/// NO_ERROR). So the body never ends under a running write: ending waits for the write, and every way the body can end
/// also stops that write (the handler cancels it, or <see cref="Release"/> does); a write after the end fails without
/// touching the stream.
/// </remarks>
internal sealed class StreamingRequestContent : HttpContent
{
    // Continuations run asynchronously so a writer never resumes inside the handler's own call, and completing the
    // body never runs the handler's end-of-stream work on the caller's thread.
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Held by a write while it uses the stream, and by the body's end while it marks the stream gone.
    private readonly SemaphoreSlim _streamLock = new(1, 1);

    // Cancelled when the call ends: a write still waiting for flow-control credit gives up.
    private readonly CancellationTokenSource _released = new();
    private bool _ended;

    /// <summary>Ends the request body normally.</summary>
    public void Complete() => _end.TrySetResult();

    /// <summary>
    /// Writes one frame (and flushes it unless <paramref name="flush"/> is false). Fails when the call ended before
    /// the body started, when the body has ended, or when the handler or <see cref="Release"/> stops the write. There
    /// is no token: every cancellation (the caller's, the deadline, disposal) ends the call, and ending the call
    /// releases the body.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> frame, bool flush)
    {
        var stream = await _stream.Task.ConfigureAwait(false);
        await _streamLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            // After the end the handler has disposed the stream (or is about to).
            ObjectDisposedException.ThrowIf(_ended, this);
            var cancellationToken = _released.Token;
            await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            if (flush)
            {
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _streamLock.Release();
        }
    }

    /// <summary>
    /// Releases waiting writers and the handler when the call ends: an aborted call fails the body (the handler resets
    /// the stream), a finished one ends it. Either way a write in progress is cancelled, since nobody will receive it.
    /// </summary>
    public void Release(bool abort)
    {
        _stream.TrySetException(new OperationCanceledException("The call ended before the request body started."));
        if (abort)
        {
            _end.TrySetCanceled();
        }
        else
        {
            _end.TrySetResult();
        }

        // After the end is set: cancelling the write also cancels the handler's body token, which must not be what
        // decides how a finished call's body ends.
        _released.Cancel();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (_stream.Task.IsCompleted)
        {
            // A second call means the handler is retrying the request on another connection; messages the writer
            // may already have put into the first stream cannot be replayed, so the attempt fails instead.
            throw new IOException("The streaming request cannot be retried: its body was already handed out.");
        }

        // The handler holds the request headers back until the body is written and flushed. A streaming call may
        // not write for a while (or at all before the server answers), so the headers go out now. This happens
        // before the writer gets the stream, so the flush never overlaps a write.
        try
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The server may already have refused the call and reset the request side: a writer waiting for the
            // stream must learn that the body is gone rather than wait for it forever.
            _stream.TrySetException(ex);
            throw;
        }

        if (!_stream.TrySetResult(stream))
        {
            return; // the call ended meanwhile
        }

        // The handler cancels the token when it no longer wants the body: the server reset the stream, or finished
        // the response and told the client to stop sending (RST_STREAM NO_ERROR). The same cancellation stops a
        // write in progress, so the wait below is short.
        using var registration = cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetCanceled(), _end);
        try
        {
            await _end.Task.ConfigureAwait(false);
        }
        finally
        {
            await _streamLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            _ended = true;
            _streamLock.Release();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
