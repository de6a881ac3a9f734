using System.IO.Pipelines;

namespace Rpc.Server.Calls;

/// <summary>The request stream a client- or duplex-streaming handler reads. One read at a time.</summary>
internal sealed class RequestStreamReader<T>(ServerCall call, Marshaller<T> marshaller) : IAsyncStreamReader<T>
    where T : class
{
    private T? _current;
    private int _reading;

    public T Current => _current ?? throw new InvalidOperationException("There is no current message: call MoveNext first.");

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (call.IsEnded)
        {
            return Task.FromException<bool>(new InvalidOperationException("The call is complete: the request stream can no longer be read."));
        }

        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            return Task.FromException<bool>(new InvalidOperationException("A read is already in progress; the request stream is not thread-safe."));
        }

        return MoveNextCoreAsync(cancellationToken);
    }

    private async Task<bool> MoveNextCoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var retried = false;
            while (true)
            {
                // Reads observe the call's token; the caller's own token cancels the pending read too.
                var registration = cancellationToken.CanBeCanceled && !call.IsCallToken(cancellationToken)
                    ? cancellationToken.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), call.RequestBody)
                    : default;
                try
                {
                    var message = await call.ReadMessageAsync(marshaller).ConfigureAwait(false);
                    if (message is null)
                    {
                        return false;
                    }

                    _current = message;
                    return true;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (OperationCanceledException) when (!retried && !call.IsCancelled)
                {
                    retried = true;
                    // A CancelPendingRead from a token that fired just after the previous read finished: retry.
                }
                finally
                {
                    registration.Dispose();
                }
            }
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }
}
