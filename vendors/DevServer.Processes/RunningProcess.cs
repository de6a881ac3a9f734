using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace DevServer.Processes;

/// <summary>
/// A started child, the leader of its own session and process group. Stopping it sends SIGINT to the group (an
/// agent CLI saves its session on it), waits the spec's grace period for the child to exit, then kills the group and
/// every descendant with SIGKILL, and returns once they are gone.
/// </summary>
public sealed class RunningProcess : IAsyncDisposable
{
    // After the child exits, its output is read to the end unless a descendant it left behind keeps the pipes open.
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    // How long SIGKILLed processes may take to disappear.
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly TimeSpan _gracePeriod;
    private readonly int _stopSignal;
    private readonly Action<ProcessOutputLine>? _onLine;
    private readonly int _maxLineBytes;
    private readonly Lock _lineLock = new();
    private readonly Lock _stopLock = new();
    private readonly long _startedAt;
    private readonly Task<ProcessExit> _exit;
    private readonly ChildRecord? _record;
    private Exception? _callbackFailure;
    private Task<ProcessExit>? _stop;
    private volatile bool _stopRequested;
    private volatile bool _killedBeforeExit;

    private RunningProcess(Process process, ProcessSpec spec, Action<ProcessOutputLine>? onLine, ChildRecord? record)
    {
        _record = record;
        var gracePeriod = spec.GracePeriod;
        var stopSignal = spec.StopSignal;
        _maxLineBytes = spec.MaxLineLength;
        _process = process;
        _gracePeriod = gracePeriod;
        _stopSignal = stopSignal == StopSignal.Terminate ? NativeMethods.SigTerm : NativeMethods.SigInt;
        _onLine = onLine;
        _startedAt = Stopwatch.GetTimestamp();
        Id = process.Id;

        // The parent's end of stdin is closed at once: the child reads an empty input and never the parent's console.
        process.StandardInput.Close();
        var readers = new[]
        {
            Task.Run(() => ReadAsync(process.StandardOutput.BaseStream, isStandardError: false)),
            Task.Run(() => ReadAsync(process.StandardError.BaseStream, isStandardError: true)),
        };
        _exit = CompleteAsync(readers);
    }

    /// <summary>The child's process id, which is also its process group and session id.</summary>
    public int Id { get; }

    /// <summary>Waits for the child to exit and its output to be read; the token ends the wait, not the child.</summary>
    public Task<ProcessExit> WaitForExitAsync(CancellationToken cancellationToken) => _exit.WaitAsync(cancellationToken);

    /// <summary>
    /// Stops the child: its stop signal (SIGINT unless the spec says SIGTERM) to its group, up to <see cref="ProcessSpec.GracePeriod"/> for it to exit, then SIGKILL to
    /// the group and every descendant. Cancelling <paramref name="cancellationToken"/> cuts the grace period short.
    /// Kills what is left in the group even when the child itself has already ended. Safe to call more than once.
    /// </summary>
    public Task<ProcessExit> StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopLock)
        {
            return _stop ??= StopCoreAsync(cancellationToken);
        }
    }

    /// <summary>Stops the child (see <see cref="StopAsync"/>) and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None);
        }
        finally
        {
            Release();
        }
    }

    internal static RunningProcess Start(ProcessSpec spec, Action<ProcessOutputLine>? onLine)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The process runner signals process groups and reads /proc: Linux only.");
        }

        if (spec.GracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.GracePeriod, "The grace period must not be negative.");
        }

        if (spec.MaxLineLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec.MaxLineLength, "The line length limit must be at least 1 byte.");
        }

        if (spec.WorkingDirectory is { } directory && !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot start '{spec.FileName}': its working directory {directory} does not exist.");
        }

        var parentPath = Environment.GetEnvironmentVariable("PATH");
        var program = ProgramLocator.Locate(spec.FileName, spec.Environment.GetValueOrDefault("PATH", parentPath ?? string.Empty));

        // setsid makes the child the leader of a new session and process group (it is not a group leader after the
        // fork, so setsid execs in place and the child keeps the pid we see), so one signal reaches all it starts.
        // setsid and env exec in place: the pid stays the child's.
        var startInfo = new ProcessStartInfo(ProgramLocator.Locate("setsid", parentPath))
        {
            WorkingDirectory = spec.WorkingDirectory ?? string.Empty,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The stop signals' default handling, even when this process was started with SIGINT ignored.
        foreach (var argument in SignalReset.Prefix)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (spec.RunAsUser is { } user && Environment.IsPrivilegedProcess)
        {
            foreach (var argument in (string[])[ProgramLocator.Locate("runuser", parentPath), "-u", user, "--"])
            {
                startInfo.ArgumentList.Add(argument);
            }
        }

        startInfo.ArgumentList.Add(program);
        foreach (var argument in spec.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        ChildEnvironment.Apply(spec, startInfo.Environment);

        // Recorded before the start, so that even a worker killed right after it leaves the child findable.
        var record = (spec.Ledger ?? ProcessGroupLedger.Current)?.Add();
        if (record is not null)
        {
            startInfo.Environment[record.Marker.Key] = record.Marker.Value;
        }

        var process = new Process { StartInfo = startInfo };
        try
        {
#pragma warning disable RS0030 // Banned API: this runner is the one place in the product that starts processes.
            process.Start();
#pragma warning restore RS0030
        }
        catch
        {
            process.Dispose();
            record?.Remove();
            throw;
        }

        record?.Started(process.Id);
        return new RunningProcess(process, spec, onLine, record);
    }

    /// <summary>
    /// Releases the process handle without stopping anything (the child has ended or is left running), and forgets
    /// the child in the process group ledger: after a stop its group is gone, and what a child that ended on its own
    /// left behind was left on purpose (see <see cref="ProcessGroupLedger"/>).
    /// </summary>
    internal void Release()
    {
        _process.Dispose();
        _record?.Remove();
    }

    private async Task<ProcessExit> StopCoreAsync(CancellationToken cancellationToken)
    {
        // A child that has already ended on its own was not stopped; what it left in its group is still killed.
        _stopRequested = !_process.HasExited;
        var tree = ProcessTree.Read(Id);
        if (!_process.HasExited)
        {
            ProcessTree.SignalGroup(Id, _stopSignal);
            try
            {
                await _process.WaitForExitAsync(cancellationToken).WaitAsync(_gracePeriod, cancellationToken);
            }
            catch (TimeoutException)
            {
                // It did not stop in time: killed below.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The caller cut the grace period short.
            }
        }

        tree.UnionWith(ProcessTree.Read(Id));
        _killedBeforeExit = !_process.HasExited;
        ProcessTree.SignalGroup(Id, NativeMethods.SigKill);
        ProcessTree.Kill(tree);
        await ProcessTree.WaitUntilEndedAsync(tree, KillTimeout);

        // The group is gone: nothing is left for a later reap.
        _record?.Remove();
        return await _exit;
    }

    private async Task<ProcessExit> CompleteAsync(Task[] readers)
    {
        await _process.WaitForExitAsync();
        var duration = Stopwatch.GetElapsedTime(_startedAt);
        try
        {
            await Task.WhenAll(readers).WaitAsync(DrainTimeout);
        }
        catch (TimeoutException)
        {
            // A descendant still holds the pipes; what it writes from now on is not this child's output.
        }

        lock (_lineLock)
        {
            if (_callbackFailure is { } failure)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
        }

        var exitCode = _stopRequested && _killedBeforeExit ? (int?)null : _process.ExitCode;
        return new ProcessExit(exitCode, _stopRequested, duration);
    }

    private async Task ReadAsync(Stream stream, bool isStandardError)
    {
        try
        {
            await LineReader.ReadAsync(stream, _maxLineBytes, text => Deliver(new ProcessOutputLine(isStandardError, text)));
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            // The pipe was closed under the reader: the process was released while a descendant kept it open.
        }
    }

    private void Deliver(ProcessOutputLine line)
    {
        lock (_lineLock)
        {
            if (_onLine is null || _callbackFailure is not null)
            {
                return;
            }

            try
            {
                _onLine(line);
            }
#pragma warning disable CA1031 // The caller's exception is kept and rethrown from the wait; the reader must keep draining.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _callbackFailure = exception;
            }
        }
    }
}
