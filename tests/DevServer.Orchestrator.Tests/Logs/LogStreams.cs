using DevServer.Contracts.Logs.V1;
using Rpc;

namespace DevServer.Orchestrator.Tests.Logs;

/// <summary>Reading a WatchLogs stream in tests: every read bounded, so a missing entry fails instead of hanging.</summary>
internal static class LogStreams
{
    public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Entries from the stream until <paramref name="done"/> holds for what arrived; fails after <paramref name="timeout"/>.</summary>
    public static async Task<List<LogEntry>> ReadUntilAsync(
        AsyncServerStreamingCall<WatchLogsResponse> call, Func<List<LogEntry>, bool> done, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var entries = new List<LogEntry>();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout ?? ReadTimeout);
        try
        {
            while (!done(entries))
            {
                if (!await call.ResponseStream.MoveNext(bound.Token))
                {
                    throw new InvalidOperationException("The watch ended.");
                }

                Assert.NotEmpty(call.ResponseStream.Current.Entries);
                entries.AddRange(call.ResponseStream.Current.Entries);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or RpcException
            && bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out; received {entries.Count} entries: {string.Join(" | ", entries.Take(20).Select(e => $"{e.Position} {e.Source} {e.Message}"))}", exception);
        }

        return entries;
    }

    /// <summary>Whatever else arrives within <paramref name="quiet"/> (nothing, when the stream is complete).</summary>
    public static async Task<List<LogEntry>> ReadForAsync(AsyncServerStreamingCall<WatchLogsResponse> call, TimeSpan quiet, CancellationToken cancellationToken)
    {
        var entries = new List<LogEntry>();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(quiet);
        try
        {
            while (await call.ResponseStream.MoveNext(bound.Token))
            {
                entries.AddRange(call.ResponseStream.Current.Entries);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or RpcException
            && bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
        }

        return entries;
    }
}
