using Rpc;

namespace DevServer.Cli.Watching;

/// <summary>
/// Reads a server stream of numbered messages (event sequences or positions) and, when the stream breaks, opens it
/// again after the last number seen, so a reader sees every message once across orchestrator restarts.
/// </summary>
internal sealed class ReconnectingStream<T>(ReconnectPolicy policy, TimeProvider clock)
{
    /// <summary>Opens the stream after a number (the start value until a message arrived).</summary>
    public required Func<long, CancellationToken, AsyncServerStreamingCall<T>> Open { get; init; }

    /// <summary>The number of a message; messages at or below the last one seen are skipped.</summary>
    public required Func<T, long> NumberOf { get; init; }

    /// <summary>Handles a new message.</summary>
    public required Action<T> OnMessage { get; init; }

    /// <summary>Decides, when the server ended the stream normally, whether reading is over (true) or resumes (false).</summary>
    public Func<CancellationToken, Task<bool>> IsOverAtEnd { get; init; } = static _ => Task.FromResult(false);

    /// <summary>Told once per outage that the connection broke and is being retried.</summary>
    public Action<string> OnReconnecting { get; init; } = static _ => { };

    /// <summary>The last number seen (the start value until a message arrived).</summary>
    public long Last { get; private set; }

    /// <summary>Reads until <see cref="IsOverAtEnd"/> says so; throws a non-transient failure, or a transient one that lasted too long.</summary>
    public async Task ReadAsync(long start, CancellationToken cancellationToken)
    {
        Last = start;
        var failures = 0;
        DateTimeOffset? outageSince = null;
        while (true)
        {
            try
            {
                using (var call = Open(Last, cancellationToken))
                {
                    while (await call.ResponseStream.MoveNext(cancellationToken))
                    {
                        var message = call.ResponseStream.Current;
                        var number = NumberOf(message);
                        if (Last >= 0 && number <= Last)
                        {
                            continue;
                        }

                        // Only a new message is progress: a server that resends old ones and fails again is still down.
                        failures = 0;
                        outageSince = null;
                        Last = number;
                        OnMessage(message);
                    }
                }

                if (await IsOverAtEnd(cancellationToken))
                {
                    return;
                }

                // Ended normally but not over (a server shutting down): reopen, without spinning.
                await Task.Delay(policy.FirstDelay, clock, cancellationToken);
            }
            catch (RpcException ex) when (IsTransient(ex, cancellationToken))
            {
                var now = clock.GetUtcNow();
                outageSince ??= now;
                if (now - outageSince.Value >= policy.GiveUpAfter)
                {
                    throw;
                }

                if (++failures == 1)
                {
                    OnReconnecting(ex.Status.Detail.Length > 0 ? ex.Status.Detail : ex.StatusCode.ToString());
                }

                await Task.Delay(policy.DelayAfter(failures), clock, cancellationToken);
            }
        }
    }

    /// <summary>Failures a restart or a dropped connection causes; anything else (not found, bad token) is final.</summary>
    public static bool IsTransient(RpcException exception, CancellationToken cancellationToken) =>
        exception.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted => true,
            StatusCode.Cancelled => !cancellationToken.IsCancellationRequested,
            _ => false,
        };
}
