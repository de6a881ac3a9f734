using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace DevServer.Benchmarks.Peers;

/// <summary>
/// The benchmark's one way to run a child process (the servers and the grpc-js client): output captured line by line,
/// every wait bounded, and the process tree killed on timeout or disposal, so no server outlives a benchmark run.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Channel<string> _stdoutLines = Channel.CreateUnbounded<string>();

    private readonly bool _stopsAtEndOfInput;

    private ChildProcess(Process process, string commandLine, bool stopsAtEndOfInput)
    {
        _process = process;
        CommandLine = commandLine;
        _stopsAtEndOfInput = stopsAtEndOfInput;
    }

    public string CommandLine { get; }

    /// <param name="fileName">The program.</param>
    /// <param name="arguments">Its arguments, passed as they are (no shell).</param>
    /// <param name="workingDirectory">Where it runs.</param>
    /// <param name="stopsAtEndOfInput">Whether the program exits by itself once its stdin is closed (our servers do).</param>
    public static ChildProcess Start(string fileName, IReadOnlyList<string> arguments, string workingDirectory, bool stopsAtEndOfInput = false)
    {
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

        var process = new Process { StartInfo = startInfo };
        var child = new ChildProcess(process, string.Join(' ', [fileName, .. arguments]), stopsAtEndOfInput);
        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => Append(child._stderr, e.Data);
#pragma warning disable RS0030 // Banned API: this is the benchmark's one process runner, the place the ban points to.
        process.Start();
#pragma warning restore RS0030
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for the first stdout line <paramref name="match"/> accepts; throws with the output when the process ends or time runs out.</summary>
    public async Task<T> WaitForLineAsync<T>(Func<string, T?> match, TimeSpan timeout, CancellationToken cancellationToken)
        where T : struct
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
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"No ready line from `{CommandLine}` within {timeout.TotalSeconds} s.\n{Output()}");
        }

        throw new InvalidOperationException($"`{CommandLine}` ended before its ready line.\n{Output()}");
    }

    /// <summary>Waits for the process to end; kills its tree and throws when <paramref name="timeout"/> passes first.</summary>
    public async Task<(int ExitCode, string StandardOutput, string StandardError)> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await KillAsync();
            throw new TimeoutException($"`{CommandLine}` did not finish within {timeout.TotalSeconds} s and was killed.\n{Output()}");
        }

        // The parameterless wait also drains the redirected output after the exit.
        _process.WaitForExit();
        return (_process.ExitCode, Read(_stdout), Read(_stderr));
    }

    /// <summary>Resident memory now and at its peak (VmRSS / VmHWM on Linux), in bytes.</summary>
    public (long WorkingSet, long PeakWorkingSet) Memory()
    {
        _process.Refresh();
        return (_process.WorkingSet64, _process.PeakWorkingSet64);
    }

    /// <summary>CPU time the process has used so far.</summary>
    public TimeSpan ProcessorTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>Lets a server stop by closing its stdin (when it understands that), then kills what still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopsAtEndOfInput)
        {
            try
            {
                _process.StandardInput.Close();
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                // Still running: killed below.
            }
        }

        await KillAsync();
        _process.Dispose();
    }

    private string Output() => $"--- stdout ---\n{Read(_stdout)}--- stderr ---\n{Read(_stderr)}";

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

        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
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
}
