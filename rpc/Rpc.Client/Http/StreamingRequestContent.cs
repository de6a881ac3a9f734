using System.Net;

namespace Rpc.Client.Http;

/// <summary>
/// The body of a client- or duplex-streaming request. The handler calls <see cref="SerializeToStreamAsync(Stream, TransportContext?, CancellationToken)"/>
/// after queueing the request headers; the call's writer then writes message frames to that stream until
/// <see cref="Complete"/> ends the body (the client's half-close). The content is duplex: the response can arrive
/// and be read while the body is still open.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    // Continuations run asynchronously so a writer never resumes inside the handler's own call, and completing the
    // body never runs the handler's end-of-stream work on the caller's thread.
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the request body stream, or fails when the call ended before the body started.</summary>
    public Task<Stream> BodyStream => _stream.Task;

    /// <summary>Ends the request body normally.</summary>
    public void Complete() => _end.TrySetResult();

    /// <summary>
    /// Releases waiting writers and the handler when the call ends: an aborted call fails the body (the handler resets
    /// the stream), a finished one ends it.
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
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (!_stream.TrySetResult(stream))
        {
            return; // the call ended meanwhile
        }

        // The handler cancels the token when it no longer wants the body: the server reset the stream, or finished
        // the response and told the client to stop sending (RST_STREAM NO_ERROR).
        using var registration = cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetCanceled(), _end);
        await _end.Task.ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
