using System.Diagnostics;
using DevServer.Contracts.Queue.V1;
using Rpc;

namespace DevServer.Orchestrator.Tests.Queue;

/// <summary>Reads a WatchQueue stream with a bound on every wait, so a missing snapshot fails the test instead of hanging it.</summary>
internal sealed class QueueWatchReader(AsyncServerStreamingCall<WatchQueueResponse> call) : IDisposable
{
    /// <summary>Longer than the 15 s heartbeat of an idle watch, so "nothing came" means the stream is broken.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Every message read so far, with when it arrived.</summary>
    public List<(WatchQueueResponse Message, TimeSpan At)> Received { get; } = [];

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public TimeSpan Elapsed => _clock.Elapsed;

    public async Task<WatchQueueResponse> NextAsync(CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? Patience);
        bool received;
        try
        {
            received = await call.ResponseStream.MoveNext(limit.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or RpcException
            && limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No snapshot within {(timeout ?? Patience).TotalSeconds} s.", exception);
        }

        Assert.True(received, "The orchestrator ended the watch.");
        Received.Add((call.ResponseStream.Current, _clock.Elapsed));
        return call.ResponseStream.Current;
    }

    /// <summary>Reads until a snapshot satisfies <paramref name="condition"/>; fails after <see cref="Patience"/> in all.</summary>
    public async Task<WatchQueueResponse> UntilAsync(Func<WatchQueueResponse, bool> condition, CancellationToken cancellationToken)
    {
        var deadline = _clock.Elapsed + Patience;
        while (true)
        {
            var left = deadline - _clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No matching snapshot within {Patience.TotalSeconds} s; the last was {Received.LastOrDefault().Message}.");
            }

            var snapshot = await NextAsync(cancellationToken, left);
            if (condition(snapshot))
            {
                return snapshot;
            }
        }
    }

    public void Dispose() => call.Dispose();
}
