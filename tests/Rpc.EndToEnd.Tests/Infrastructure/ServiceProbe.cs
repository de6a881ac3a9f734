using System.Collections.Concurrent;

namespace Rpc.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The test's window into <see cref="EndToEndTestService"/>: what its handlers saw, and a gate that holds calls
/// open (those sent with <see cref="HoldHeader"/>) until the test releases them, so "in flight" and "idle" are
/// states the test controls rather than guesses at timing.
/// </summary>
internal sealed class ServiceProbe
{
    /// <summary>Request metadata that makes a handler wait for <see cref="Release"/> (after its first response, if streaming).</summary>
    public const string HoldHeader = "x-e2e-hold";

    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;
    private int _calls;

    /// <summary>Handlers started.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Handlers waiting at the gate right now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>The methods of the calls whose <see cref="ServerCallContext.CancellationToken"/> fired while the handler ran.</summary>
    public ConcurrentQueue<string> CancelledCalls { get; } = new();

    /// <summary>Payload sizes of the request messages handlers received, in order of arrival.</summary>
    public ConcurrentQueue<int> RequestPayloadSizes { get; } = new();

    /// <summary>How each call reached the server.</summary>
    public ConcurrentQueue<Transport> Transports { get; } = new();

    /// <summary>Lets every held call (and every later one) go on.</summary>
    public void Release() => _release.TrySetResult();

    /// <summary>Records a call; dispose the result when the handler ends.</summary>
    internal IDisposable CallStarted(ServerCallContext context, Transport transport)
    {
        Interlocked.Increment(ref _calls);
        Transports.Enqueue(transport);
        return new CallScope(this, context);
    }

    internal async Task HoldIfAskedAsync(ServerCallContext context)
    {
        if (context.RequestHeaders.Get(HoldHeader) is null)
        {
            return;
        }

        Interlocked.Increment(ref _held);
        try
        {
            await _release.Task.WaitAsync(context.CancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _held);
        }
    }

    /// <summary>
    /// Notes the call's method in <see cref="CancelledCalls"/> once if its token fires before the handler ends. The
    /// callback alone is not enough: callbacks run last-registered first, so a handler awaiting the token (registered
    /// later) may end and dispose this registration before its callback runs; the check at the end covers that.
    /// </summary>
    private sealed class CallScope : IDisposable
    {
        private readonly ServiceProbe _probe;
        private readonly string _method;
        private readonly CancellationToken _token;
        private readonly CancellationTokenRegistration _registration;
        private int _recorded;

        public CallScope(ServiceProbe probe, ServerCallContext context)
        {
            _probe = probe;
            _method = context.Method;
            _token = context.CancellationToken;
            _registration = _token.Register(static state => ((CallScope)state!).RecordOnce(), this);
        }

        public void Dispose()
        {
            if (_token.IsCancellationRequested)
            {
                RecordOnce();
            }

            _registration.Dispose();
        }

        private void RecordOnce()
        {
            if (Interlocked.Exchange(ref _recorded, 1) == 0)
            {
                _probe.CancelledCalls.Enqueue(_method);
            }
        }
    }
}

/// <summary>How a call reached the server: the HTTP version, whether over TLS, and the ALPN protocol TLS agreed on.</summary>
internal sealed record Transport(string Protocol, bool IsHttps, string? ApplicationProtocol);
