namespace DevServer.Processes;

/// <summary>Which of the parent's environment variables a child sees.</summary>
public enum EnvironmentMode
{
    /// <summary>All of them, plus <see cref="ProcessSpec.Environment"/>.</summary>
    Inherit,

    /// <summary>
    /// Only harmless ones (PATH, HOME, USER, LOGNAME, SHELL, LANG, LANGUAGE, LC_*, TERM, TZ, TMPDIR), plus
    /// <see cref="ProcessSpec.Environment"/>: tokens and secrets of the parent never reach the child.
    /// </summary>
    Scrubbed,
}

/// <summary>The signal that asks a child to stop before it is killed.</summary>
public enum StopSignal
{
    /// <summary>SIGINT, as Ctrl+C would: agent CLIs save their session on it.</summary>
    Interrupt,

    /// <summary>
    /// SIGTERM, as a service manager would: for services, and for any child that may have been started with SIGINT
    /// ignored (a parent run with <c>nohup</c> or in the background of a script passes that on).
    /// </summary>
    Terminate,
}

/// <summary>What to run and how.</summary>
/// <param name="FileName">The program: a path, or a name looked up in PATH.</param>
/// <param name="Arguments">Its arguments, passed as they are (no shell).</param>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    private static readonly IReadOnlyDictionary<string, string> NoVariables = new Dictionary<string, string>();

    /// <summary>Where the child runs; null means the current directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables set on top of what <see cref="EnvironmentMode"/> passes on.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = NoVariables;

    /// <summary>Which of the parent's variables the child sees.</summary>
    public EnvironmentMode EnvironmentMode { get; init; } = EnvironmentMode.Inherit;

    /// <summary>
    /// When set and the current process is privileged, the child runs as this user (through
    /// <c>runuser -u &lt;user&gt; --</c>; some programs, PostgreSQL among them, refuse to run as root). HOME, SHELL,
    /// USER and LOGNAME then come from that user's account. Ignored when the current process is not privileged: it
    /// cannot switch users, and runs the child as itself.
    /// </summary>
    public string? RunAsUser { get; init; }

    /// <summary>What asks the child to stop (to its whole process group).</summary>
    public StopSignal StopSignal { get; init; } = StopSignal.Interrupt;

    /// <summary>How long a stopped child may take to exit after the stop signal before its whole tree is killed.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest output line delivered whole, in UTF-8 bytes; a longer line is cut there (at a character boundary)
    /// and the rest of it is skipped. The default, 64 KiB, suits logs; agent CLIs whose JSON events can exceed a
    /// megabyte (Claude Code's stream-json) need more. Memory grows to this size only when such a line arrives.
    /// </summary>
    public int MaxLineLength { get; init; } = LineReader.DefaultMaxLineBytes;

    /// <summary>
    /// Tests only: the ledger to record the child in instead of the process-wide one (<see cref="ProcessGroupLedger.OpenForThisProcess"/>),
    /// since a test process runs many ledgers at once.
    /// </summary>
    internal ProcessGroupLedger? Ledger { get; init; }
}
