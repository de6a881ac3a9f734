using Microsoft.AspNetCore.Http.Features;

namespace Rpc.Server.Calls;

// Ending the call: mapping the handler's outcome to a status (the one place that does), and the deadline.
internal sealed partial class ServerCall : IDisposable
{
    private static readonly Status DeadlineExceededStatus = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    // RST_STREAM(NO_ERROR) after a complete response asks the client to stop sending its request without
    // discarding the response (RFC 9113 §8.1); CANCEL would make clients drop the trailers they just got.
    private const int Http2NoErrorCode = 0x0;

    private DeadlineState? _deadlineState;
    private volatile bool _deadlineExceeded;

    /// <summary>Ends a call that <see cref="TryStart"/> refused, with a trailers-only response.</summary>
    public void CompleteEarly()
    {
        _ended = true;
        _responseEnded = true;
        Log.CallFailed(_runtime.Logger, Method, _status.StatusCode, _status.Detail);
        WriteStatus(_status);
    }

    /// <summary>
    /// Ends the call after its handler returned (<paramref name="error"/> null: send <see cref="Status"/>) or
    /// threw. A no-op when the deadline already ended the response.
    /// </summary>
    public Task CompleteAsync(Exception? error)
    {
        if (_deadlineState is null)
        {
            Complete(error);
            return Task.CompletedTask;
        }

        return CompleteLockedAsync(error);
    }

    private async Task CompleteLockedAsync(Exception? error)
    {
        var state = _deadlineState!;
        state.StopTimer();
        await state.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Complete(error);
        }
        finally
        {
            state.Gate.Release();
        }
    }

    private void Complete(Exception? error)
    {
        _ended = true;
        if (_responseEnded)
        {
            Log.OutcomeDiscarded(_runtime.Logger, Method, error);
            return;
        }

        _responseEnded = true;
        Status status;
        if (error is null)
        {
            status = _status;
        }
        else
        {
            status = StatusFromException(error);
            if (RequestAborted.IsCancellationRequested)
            {
                // The client reset the stream or the connection dropped: there is nobody to send a status to.
                return;
            }
        }

        if (status.StatusCode != StatusCode.OK)
        {
            Log.CallFailed(_runtime.Logger, Method, status.StatusCode, status.Detail ?? string.Empty);
        }

        WriteStatus(status);
    }

    private Status StatusFromException(Exception error)
    {
        if (_deadlineExceeded)
        {
            return DeadlineExceededStatus;
        }

        if (error is RpcException rpc)
        {
            if (rpc.Trailers.Count > 0 && !ReferenceEquals(rpc.Trailers, _responseTrailers))
            {
                var trailers = ResponseTrailers;
                foreach (var entry in rpc.Trailers)
                {
                    trailers.Add(entry);
                }
            }

            return rpc.Status;
        }

        if (RequestAborted.IsCancellationRequested)
        {
            Log.CallCancelled(_runtime.Logger, Method);
            return new Status(StatusCode.Cancelled, "The call was cancelled by the client.");
        }

        Log.HandlerFailed(_runtime.Logger, Method, error);
        var detail = _runtime.Options.EnableDetailedErrors
            ? $"Exception was thrown by handler. {error.GetType().Name}: {error.Message}"
            : "Exception was thrown by handler.";
        return new Status(StatusCode.Unknown, detail, error);
    }

    private void StartDeadline(TimeSpan timeout)
    {
        var now = _runtime.TimeProvider.GetUtcNow().UtcDateTime;
        _deadline = timeout >= DateTime.MaxValue - now ? DateTime.MaxValue : now + timeout;
        var state = new DeadlineState(RequestAborted);
        _deadlineState = state;
        _token = state.Token;
        state.StartTimer(_runtime.TimeProvider, timeout, this);
    }

    /// <summary>The deadline timer's callback.</summary>
    internal void OnDeadline() => _ = OnDeadlineAsync();

    /// <summary>
    /// Ends the response with DEADLINE_EXCEEDED at the deadline, whether or not the handler honours its token:
    /// cancel the token (in-flight writes and reads wake up), take the write gate, send the status and end the
    /// stream. The handler may run on; its later writes fail and its outcome is discarded.
    /// </summary>
    private async Task OnDeadlineAsync()
    {
        try
        {
            if (_ended)
            {
                return;
            }

            var state = _deadlineState!;
            _deadlineExceeded = true;
            Log.DeadlineExceeded(_runtime.Logger, Method, _deadline);
            state.Cancel();
            if (_flushing)
            {
                // A write blocked on a client that stopped reading holds the gate; release its flush.
                ResponseBody.CancelPendingFlush();
            }

            await state.Gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_responseEnded)
                {
                    return;
                }

                _responseEnded = true;
                _ended = true;
                if (RequestAborted.IsCancellationRequested)
                {
                    return;
                }

                WriteStatus(DeadlineExceededStatus);
                await _http.Response.CompleteAsync().ConfigureAwait(false);
                if (!_requestComplete && _http.Features.Get<IHttpResetFeature>() is { } reset)
                {
                    // The client may still be streaming requests nobody will read; tell it to stop.
                    reset.Reset(Http2NoErrorCode);
                }
            }
            finally
            {
                state.Gate.Release();
            }
        }
        catch (Exception ex)
        {
            Log.DeadlineCompletionFailed(_runtime.Logger, Method, ex);
        }
    }

    /// <summary>True once the call's token fired (client gone or deadline).</summary>
    public bool IsCancelled => _deadlineState is null ? RequestAborted.IsCancellationRequested : _token.IsCancellationRequested;

    public void Dispose() => _deadlineState?.Dispose();

    /// <summary>The timer, token and write gate of a call with a deadline; calls without one pay for none of it.</summary>
    private sealed class DeadlineState : IDisposable
    {
        // The longest delay a timer accepts (about 49 days); a longer deadline is never reached in practice.
        private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

        private readonly CancellationTokenSource _cts = new();
        private readonly CancellationTokenRegistration _abortRegistration;
        private ITimer? _timer;

        public DeadlineState(CancellationToken requestAborted)
        {
            Token = _cts.Token;
            _abortRegistration = requestAborted.UnsafeRegister(static state => ((DeadlineState)state!).Cancel(), this);
        }

        public CancellationToken Token { get; }

        /// <summary>Serializes response writes with the deadline's ending of the response.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public void StartTimer(TimeProvider timeProvider, TimeSpan timeout, ServerCall call)
        {
            if (timeout <= MaxTimerDelay)
            {
                _timer = timeProvider.CreateTimer(static state => ((ServerCall)state!).OnDeadline(), call, timeout, Timeout.InfiniteTimeSpan);
            }
        }

        public void StopTimer() => _timer?.Dispose();

        public void Cancel()
        {
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The call already ended.
            }
            catch (AggregateException)
            {
                // A handler's cancellation callback threw; that is the handler's problem, not the deadline's.
            }
        }

        public void Dispose()
        {
            _timer?.Dispose();
            _abortRegistration.Dispose();
            _cts.Dispose();
        }
    }
}
