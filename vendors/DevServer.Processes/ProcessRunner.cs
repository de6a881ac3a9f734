using System.Text;

namespace DevServer.Processes;

/// <summary>
/// Runs child processes. Every child gets its own session and process group, so that stopping it reaches all it
/// started; its standard input is empty; its output is read line by line. In a process that opened a
/// <see cref="ProcessGroupLedger"/> (the workers), every child is also recorded there until it is let go, so that a
/// later start can stop what this process left running if it is killed outright.
/// </summary>
public static class ProcessRunner
{
    /// <summary>
    /// Runs a child to its end. When <paramref name="cancellationToken"/> is cancelled the child is stopped (SIGINT to
    /// its group, <see cref="ProcessSpec.GracePeriod"/>, then SIGKILL to its group and every descendant) and the result
    /// says <see cref="ProcessExit.Cancelled"/>; that cancellation is not thrown. A child that ends on its own may leave
    /// processes behind (a daemon it started on purpose); they are not touched: use <see cref="Start"/> and dispose it
    /// to have them killed.
    /// </summary>
    /// <param name="spec">What to run.</param>
    /// <param name="onLine">
    /// Gets every line of stdout and stderr, each stream in order; never called concurrently. An exception it throws
    /// drops the later lines and is rethrown once the child has ended.
    /// </param>
    /// <param name="cancellationToken">Stops the child.</param>
    /// <exception cref="FileNotFoundException">The program (or its working directory) does not exist.</exception>
    public static async Task<ProcessExit> RunAsync(ProcessSpec spec, Action<ProcessOutputLine>? onLine, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (cancellationToken.IsCancellationRequested)
        {
            return new ProcessExit(null, true, TimeSpan.Zero);
        }

        var running = RunningProcess.Start(spec, onLine);
        try
        {
            return await running.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await running.StopAsync(CancellationToken.None);
        }
        finally
        {
            // Not DisposeAsync: a child that ended on its own may leave a daemon behind on purpose (pg_ctl start).
            running.Release();
        }
    }

    /// <summary>Like <see cref="RunAsync"/>, collecting the output instead of passing it on.</summary>
    public static async Task<CapturedProcess> CaptureAsync(ProcessSpec spec, CancellationToken cancellationToken)
    {
        var standardOutput = new StringBuilder();
        var standardError = new StringBuilder();
        var exit = await RunAsync(
            spec,
            line => (line.IsStandardError ? standardError : standardOutput).Append(line.Text).Append('\n'),
            cancellationToken);
        return new CapturedProcess(exit.ExitCode, exit.Cancelled, standardOutput.ToString(), standardError.ToString(), exit.Duration);
    }

    /// <summary>
    /// Starts a long-lived child. Stop it with <see cref="RunningProcess.StopAsync"/> or by disposing it (which stops
    /// it if it still runs, and kills what it left in its group).
    /// </summary>
    /// <exception cref="FileNotFoundException">The program (or its working directory) does not exist.</exception>
    public static RunningProcess Start(ProcessSpec spec, Action<ProcessOutputLine>? onLine)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return RunningProcess.Start(spec, onLine);
    }
}
