using DevServer.Cli.Connection;
using DevServer.Cli.Watching;

namespace DevServer.Cli;

/// <summary>
/// What a command may touch outside itself: the console, the environment, the clock, and how it connects to the
/// orchestrator. <see cref="Program"/> passes the real ones; tests pass writers, variables and a clock of their own.
/// </summary>
internal sealed record CliHost
{
    /// <summary>Standard output as text.</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Standard error.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>Standard output as bytes, for raw data such as a patch series (written after <see cref="Out"/> is flushed).</summary>
    public required Func<Stream> OpenStandardOutput { get; init; }

    /// <summary>Standard input as bytes (<c>devserver classify -</c> reads the output to classify from it).</summary>
    public Func<Stream> OpenStandardInput { get; init; } = Console.OpenStandardInput;

    /// <summary>True when standard output is a terminal: live status lines are drawn only there.</summary>
    public bool OutputIsTerminal { get; init; }

    /// <summary>The terminal's width in columns (for the live status line).</summary>
    public Func<int> TerminalWidth { get; init; } = static () => 80;

    /// <summary>Reads an environment variable (DEVSERVER_URL, DEVSERVER_TOKEN, program locations).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Opens a connection for the resolved settings; the default speaks gRPC over h2c or TLS with the runtime's client.</summary>
    public Func<ConnectionSettings, OrchestratorConnection> Connect { get; init; } = OrchestratorConnection.Open;

    /// <summary>How a broken event stream is retried.</summary>
    public ReconnectPolicy Reconnect { get; init; } = ReconnectPolicy.Default;

    /// <summary>The folder the CLI's own assembly is in, where the program lookup starts.</summary>
    public string BaseDirectory { get; init; } = AppContext.BaseDirectory;

    /// <summary>The real console: stdout, stderr and the process environment.</summary>
    public static CliHost ForConsole() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        OpenStandardOutput = Console.OpenStandardOutput,
        OutputIsTerminal = !Console.IsOutputRedirected,
        TerminalWidth = static () => Console.IsOutputRedirected || Console.WindowWidth <= 0 ? 80 : Console.WindowWidth,
    };
}
