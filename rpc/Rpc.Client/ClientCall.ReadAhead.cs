using System.Buffers;
using Rpc.Client.Http;
using Rpc.Wire;

namespace Rpc.Client;

/// <summary>
/// Who may read the response body when (a reader's MoveNext, or a failed write looking ahead for the status the
/// server ended the call with), and that look-ahead itself.
/// </summary>
internal sealed partial class ClientCall<TRequest, TResponse>
{
    private bool TryEnterRead() => Interlocked.CompareExchange(ref _readState, Reading, ReadIdle) == ReadIdle;

    /// <summary>Leaves <paramref name="from"/> (<see cref="Reading"/> or <see cref="Peeking"/>).</summary>
    private void ExitRead(int from)
    {
        if (Volatile.Read(ref _outcome) is not null || Interlocked.CompareExchange(ref _readState, ReadIdle, from) != from)
        {
            // The call has ended, or its end was requested while this read ran: the reader releases the body.
            Interlocked.Exchange(ref _readState, BodyReleased);
            CompleteBody();
        }

        // After the state change (a full fence above), so a waiter that saw the old state is woken.
        if (Volatile.Read(ref _readStateChanged) is not null)
        {
            Interlocked.Exchange(ref _readStateChanged, null)?.TrySetResult();
        }
    }

    /// <summary>
    /// Completes when the read state is no longer <paramref name="busy"/>: at once if it already changed, otherwise
    /// when the reader or peeker leaves it. Callers check the state again afterwards.
    /// </summary>
    private Task ReadStateChangeAsync(int busy)
    {
        var signal = Volatile.Read(ref _readStateChanged);
        if (signal is null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            signal = Interlocked.CompareExchange(ref _readStateChanged, created, null) ?? created;
        }

        // The signal is published before the state is read, and ExitRead changes the state before it looks for a
        // signal: one of the two always sees the other.
        Interlocked.MemoryBarrier();
        return Volatile.Read(ref _readState) == busy ? signal.Task : Task.CompletedTask;
    }

    /// <summary>
    /// For a duplex writer whose request stream broke while the call's outcome is undecided: how the server ended the
    /// call. The response headers may say it (trailers-only), or the status waits at the end of a response nobody
    /// has read to its end; the server has finished it (that is why the request stream broke), so looking ahead
    /// reads what is already on its way and leaves every message in the pipe for the reader. Null when the call's
    /// outcome got decided meanwhile.
    /// </summary>
    private async ValueTask<Outcome?> PeekEndAsync()
    {
        if (_sendTask is not { } send)
        {
            return null;
        }

        await ((Task)send).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!send.IsCompletedSuccessfully)
        {
            if (send.Exception is { } failure)
            {
                Finish(StatusFor(failure.InnerException ?? failure), abort: true);
            }

            return null;
        }

        AcceptEndingHeaders(send.Result);
        while (Volatile.Read(ref _outcome) is null)
        {
            if (Interlocked.CompareExchange(ref _readState, Peeking, ReadIdle) == ReadIdle)
            {
                try
                {
                    ReleaseHeldBuffer();
                    return await PeekTrailersAsync().ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Finish(StatusFor(ex), abort: true);
                    return null;
                }
                finally
                {
                    ExitRead(Peeking);
                }
            }

            // A read is running; it ends soon, since the response is complete or broken. (In any other state the
            // outcome is already decided.)
            if (Volatile.Read(ref _readState) is var state and (Reading or Peeking))
            {
                await ReadStateChangeAsync(state).ConfigureAwait(false);
            }
        }

        return null;
    }

    /// <summary>Reads ahead to the end of the response without consuming anything; the status and trailers there.</summary>
    private async ValueTask<Outcome?> PeekTrailersAsync()
    {
        if (_body is null && !await ReadHeadersAsync(singleResponse: false).ConfigureAwait(false))
        {
            return null;
        }

        var body = _body!;
        while (true)
        {
            var result = await body.ReadAsync(_cts.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (!result.IsCompleted)
            {
                body.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            Outcome end;
            if (_channel.WireFormat == GrpcWireFormat.Grpc)
            {
                // The handler moves the HTTP trailers to the response when the body reaches its end.
                var trailers = Volatile.Read(ref _response)!.TrailingHeaders;
                end = new Outcome(ResponseProtocol.ReadStatus(trailers) ?? MissingStatus, trailers: null, lazyTrailers: trailers);
            }
            else
            {
                end = FindWebTrailers(buffer) is { } web
                    ? new Outcome(ResponseProtocol.ReadStatus(web) ?? MissingStatus, ResponseProtocol.ToMetadata(web), lazyTrailers: null)
                    : new Outcome(MissingStatus, trailers: null, lazyTrailers: null);
            }

            // Nothing consumed or examined: the reader gets every byte again.
            body.AdvanceTo(buffer.Start);
            return end;
        }
    }

    /// <summary>The gRPC-Web trailers frame among whole frames (the unread body starts at a frame boundary).</summary>
    private static IReadOnlyList<KeyValuePair<string, string>>? FindWebTrailers(ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        while (reader.TryRead(out var flags) && reader.TryReadBigEndian(out int length))
        {
            if (length < 0 || reader.Remaining < length)
            {
                return null;
            }

            if ((flags & GrpcProtocol.WebTrailersFlag) != 0)
            {
                return length <= MaxWebTrailersSize ? GrpcWebTrailers.Parse(body.Slice(reader.Position, length)) : null;
            }

            reader.Advance(length);
        }

        return null;
    }

    /// <summary>Releases the body pipe now if no read is running, otherwise asks the running read to do it.</summary>
    private void ReleaseBody()
    {
        while (true)
        {
            var state = Volatile.Read(ref _readState);
            switch (state)
            {
                case ReadIdle:
                    if (Interlocked.CompareExchange(ref _readState, BodyReleased, ReadIdle) == ReadIdle)
                    {
                        CompleteBody();
                        return;
                    }

                    break;
                case Reading or Peeking:
                    if (Interlocked.CompareExchange(ref _readState, ReleaseRequested, state) == state)
                    {
                        return;
                    }

                    break;
                default:
                    return;
            }
        }
    }
}
