using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;

namespace DevServer.Testing;

/// <summary>
/// What a finished (or stopped) process printed and returned. <see cref="ExitCode"/> is null when the process was
/// still running when the result was taken.
/// </summary>
public sealed record ProcessResult(string CommandLine, int? ExitCode, bool TimedOut, string StandardOutput, string StandardError)
{
    public override string ToString() =>
        $"{CommandLine}\n{(TimedOut ? "timed out and was killed" : $"exit code {ExitCode}")}\n" +
        $"--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>A process's resident memory in bytes: <see cref="ResidentSet"/> now and <see cref="PeakResidentSet"/>, the most it has held.</summary>
public readonly record struct ProcessMemory(long ResidentSet, long PeakResidentSet);

/// <summary>
/// The one way the tests and the benchmarks run a child process (peers, our programs, tools): output captured line
/// by line, every wait bounded, and the whole process tree killed on timeout, cancellation or disposal, so a hang
/// fails the test instead of the test run and no server outlives its test or benchmark.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    // SIGTERM is 15 on Linux and macOS.
    private const int SigTerm = 15;

    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Channel<string> _stdoutLines = Channel.CreateUnbounded<string>();
    private bool _timedOut;

    private ChildProcess(Process process, string commandLine)
    {
        _process = process;
        CommandLine = commandLine;
    }

    public string CommandLine { get; }

    /// <summary>The operating system's process id, e.g. to check that the process is gone.</summary>
    public int Id => _process.Id;

    /// <summary>Everything the process wrote on stdout so far.</summary>
    public string StandardOutput => Read(_stdout);

    /// <summary>Everything the process wrote on stderr so far.</summary>
    public string StandardError => Read(_stderr);

    /// <param name="fileName">The program.</param>
    /// <param name="arguments">Its arguments, passed as they are (no shell).</param>
    /// <param name="workingDirectory">Where it runs.</param>
    /// <param name="environment">Variables to set on top of the test process's own environment.</param>
    public static ChildProcess Start(
        string fileName,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        // stdin is redirected (and left open) so that a child never reads the test runner's console.
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo };
        var child = new ChildProcess(process, string.Join(' ', [fileName, .. arguments]));
        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => Append(child._stderr, e.Data);
#pragma warning disable RS0030 // Banned API: this is the one process runner the ban points to.
        process.Start();
#pragma warning restore RS0030
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs a process to its end within <paramref name="timeout"/> (then it is killed and the result says so).</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        await using var child = Start(fileName, arguments, workingDirectory, environment);
        return await child.WaitForExitAsync(timeout, cancellationToken);
    }

    /// <summary>
    /// Waits for the first stdout line <paramref name="match"/> accepts (a server's ready line). Throws with the
    /// output so far when the process ends first or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<T> WaitForLineAsync<T>(Func<string, T?> match, TimeSpan timeout, CancellationToken cancellationToken)
        where T : class
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await foreach (var line in _stdoutLines.Reader.ReadAllAsync(deadline.Token))
            {
                if (match(line) is { } value)
                {
                    return value;
                }
            }

            // stdout closed: the process is ending; wait for it so the message below carries its exit code.
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"No ready line within {timeout.TotalSeconds} s.\n{Snapshot()}");
        }

        throw new InvalidOperationException($"The process ended before its ready line.\n{Snapshot()}");
    }

    /// <summary>Waits for the process to end; kills its tree when <paramref name="timeout"/> passes first.</summary>
    public async Task<ProcessResult> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _timedOut = true;
            await KillAsync();
        }

        // The parameterless wait also drains the redirected streams after exit.
        _process.WaitForExit();
        return Snapshot();
    }

    /// <summary>
    /// The graceful stop: asks the process to terminate (SIGTERM, what a service manager sends), then waits for it
    /// like <see cref="WaitForExitAsync"/>, so one that ignores the request is killed after <paramref name="timeout"/>.
    /// </summary>
    public Task<ProcessResult> TerminateAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Windows has no SIGTERM; use DisposeAsync to kill the process.");
        }

        if (!_process.HasExited && SendSignal(_process.Id, SigTerm) != 0 && !_process.HasExited)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        return WaitForExitAsync(timeout, cancellationToken);
    }

    /// <summary>
    /// The graceful stop for a program that exits at the end of its input (our servers do): closes its stdin, then
    /// waits for it like <see cref="WaitForExitAsync"/>, so one that keeps running is killed after <paramref name="timeout"/>.
    /// Unlike <see cref="TerminateAsync"/> it works wherever pipes do, Windows included.
    /// </summary>
    public Task<ProcessResult> CloseInputAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
        }

        return WaitForExitAsync(timeout, cancellationToken);
    }

    /// <summary>
    /// The process's resident memory now and at its peak (the operating system's working set: VmRSS and VmHWM of
    /// /proc on Linux), e.g. to compare what servers cost after the same load.
    /// </summary>
    public ProcessMemory ReadMemory()
    {
        _process.Refresh();
        return new ProcessMemory(_process.WorkingSet64, _process.PeakWorkingSet64);
    }

    /// <summary>
    /// SIGKILL to this process only, the way a crash or the OOM killer ends it: no shutdown code runs and its children
    /// (an agent, a database it started) are left behind for the system under test to deal with.
    /// </summary>
    public async Task CrashAsync(CancellationToken cancellationToken)
    {
        _process.Kill(entireProcessTree: false);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(KillWait);
        await _process.WaitForExitAsync(bounded.Token);
    }

    /// <summary>Kills the process tree if it still runs, and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private ProcessResult Snapshot() =>
        new(CommandLine, _process.HasExited ? _process.ExitCode : null, _timedOut, Read(_stdout), Read(_stderr));

    private async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        using var bounded = new CancellationTokenSource(KillWait);
        await _process.WaitForExitAsync(bounded.Token);
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            _stdoutLines.Writer.TryComplete();
            return;
        }

        Append(_stdout, line);
        _stdoutLines.Writer.TryWrite(line);
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }

    private static string Read(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }

    // .NET has no API that sends a signal to another process.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
