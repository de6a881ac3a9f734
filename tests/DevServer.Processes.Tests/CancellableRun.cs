namespace DevServer.Processes.Tests;

/// <summary>
/// A <see cref="ProcessRunner.RunAsync"/> with its own cancellation, which a test cancels when it wants and which is
/// cancelled (and awaited) on disposal too, so a failed assertion never leaves the test's children running.
/// </summary>
internal sealed class CancellableRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly Task<ProcessExit> _run;

    public CancellableRun(ProcessSpec spec, Action<ProcessOutputLine>? onLine, CancellationToken testToken)
    {
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(testToken);
        _run = ProcessRunner.RunAsync(spec, onLine, _cancellation.Token);
    }

    /// <summary>Cancels the run and returns how it ended.</summary>
    public async Task<ProcessExit> CancelAsync()
    {
        await _cancellation.CancelAsync();
        return await _run;
    }

    public async ValueTask DisposeAsync()
    {
        await _cancellation.CancelAsync();
        try
        {
            await _run;
        }
        catch (Exception exception) when (exception is FileNotFoundException or InvalidOperationException)
        {
            // The test has seen (or asserted on) it already.
        }

        _cancellation.Dispose();
    }
}
