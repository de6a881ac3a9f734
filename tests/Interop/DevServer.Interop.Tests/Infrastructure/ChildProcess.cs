using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace DevServer.Interop.Tests.Infrastructure;

/// <summary>What a finished (or stopped) process printed and returned.</summary>
internal sealed record ProcessResult(string CommandLine, int? ExitCode, bool TimedOut, string StandardOutput, string StandardError)
{
    public override string ToString() =>
        $"{CommandLine}\n{(TimedOut ? "timed out and was killed" : $"exit code {ExitCode}")}\n" +
        $"--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>
/// The tests' one way to run a child process (peers and our interop programs): output captured line by line,
/// every wait bounded, and the whole process tree killed on timeout, cancellation or disposal, so a hang fails
/// the test instead of the test run and no server outlives its fixture.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
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

    public string StandardError => Read(_stderr);

    public static ChildProcess Start(string fileName, IReadOnlyList<string> arguments, string workingDirectory)
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

    /// <summary>Runs a process to its end within <paramref name="timeout"/>.</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        await using var child = Start(fileName, arguments, workingDirectory);
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
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"No ready line within {timeout.TotalSeconds} s.\n{Snapshot()}");
        }

        await _process.WaitForExitAsync(cancellationToken);
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
