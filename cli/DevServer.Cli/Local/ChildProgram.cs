using System.Globalization;
using DevServer.Processes;

namespace DevServer.Cli.Local;

/// <summary>
/// One program of the local system, running: its output goes to a log file (and the last lines are kept for an
/// error message), and <see cref="Exited"/> completes when it ends.
/// </summary>
internal sealed class ChildProgram : IAsyncDisposable
{
    private const int TailLines = 25;

    private readonly RunningProcess _process;
    private readonly StreamWriter _log;
    private readonly Queue<string> _tail = new();
    private readonly Lock _gate = new();
    private readonly Action<string>? _onLine;
    private bool _closed;

    private ChildProgram(string name, string logFile, StreamWriter log, Action<string>? onLine, Func<Action<ProcessOutputLine>, RunningProcess> start)
    {
        Name = name;
        LogFile = logFile;
        _log = log;
        _onLine = onLine;
        _process = start(Record);
        Exited = _process.WaitForExitAsync(CancellationToken.None);
    }

    /// <summary>A short name for messages: orchestrator, script, verifier.</summary>
    public string Name { get; }

    public string LogFile { get; }

    /// <summary>Completes when the program has ended, for whatever reason.</summary>
    public Task<ProcessExit> Exited { get; }

    /// <param name="name">The short name.</param>
    /// <param name="program">What to run.</param>
    /// <param name="arguments">Its arguments (configuration as <c>--Key=Value</c>).</param>
    /// <param name="environment">Variables on top of ours.</param>
    /// <param name="logFile">Where its output goes (appended).</param>
    /// <param name="gracePeriod">How long it may take to stop after SIGINT before its tree is killed.</param>
    /// <param name="onLine">Also gets every line, e.g. to spot a ready line.</param>
    public static ChildProgram Start(
        string name,
        LocalProgram program,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        string logFile,
        TimeSpan gracePeriod,
        Action<string>? onLine = null)
    {
        var spec = program.IsAssembly
            ? new ProcessSpec(ProgramLookup.DotnetHost(), [program.Path, .. arguments])
            : new ProcessSpec(program.Path, arguments);
        // Its own folder: a host that takes its content root from the working directory then finds its appsettings.json.
        // SIGTERM: these are services, and SIGINT may be ignored when the CLI itself runs under nohup or in a script's
        // background, which would leave the orchestrator's PostgreSQL behind after the forced kill.
        spec = spec with
        {
            Environment = environment,
            GracePeriod = gracePeriod,
            WorkingDirectory = Path.GetDirectoryName(program.Path),
            StopSignal = StopSignal.Terminate,
        };
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        try
        {
            return new ChildProgram(name, logFile, log, onLine, record => ProcessRunner.Start(spec, record));
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>The last lines it wrote, for a message about its failure.</summary>
    public IReadOnlyList<string> Tail()
    {
        lock (_gate)
        {
            return [.. _tail];
        }
    }

    /// <summary>Asks it to stop (SIGINT), waits its grace period, then kills its tree.</summary>
    public Task<ProcessExit> StopAsync(CancellationToken cancellationToken) => _process.StopAsync(cancellationToken);

    /// <summary>How it ended, in words: <c>exited with code 1</c>, <c>was ended by signal 9</c>.</summary>
    public static string Describe(ProcessExit exit) => exit.ExitCode switch
    {
        // The shell convention the runner follows: 128 + the signal's number.
        > 128 and <= 128 + 64 and var code => string.Create(CultureInfo.InvariantCulture, $"was ended by signal {code - 128}"),
        { } code => string.Create(CultureInfo.InvariantCulture, $"exited with code {code}"),
        null => "was killed",
    };

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        lock (_gate)
        {
            _closed = true;
            _log.Dispose();
        }
    }

    private void Record(ProcessOutputLine line)
    {
        lock (_gate)
        {
            if (_closed)
            {
                // A descendant still writing after the program ended and its log was closed.
                return;
            }

            _log.WriteLine(line.Text);
            _tail.Enqueue(line.Text);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }

        _onLine?.Invoke(line.Text);
    }
}
