using DevServer.Cli.Connection;
using DevServer.Cli.Watching;

namespace DevServer.Cli.Tests.Infrastructure;

/// <summary>What one run of the CLI printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error, byte[] RawOut)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}";
}

/// <summary>A run of the CLI in-process, with its output readable while it runs.</summary>
internal sealed class CliRun
{
    private readonly Func<byte[]> _rawOut;

    private CliRun(CliHost host, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        // Never disposed: a MemoryStream holds no resource, and the bytes are read after the run.
        var raw = new MemoryStream();
        _rawOut = raw.ToArray;
        Exit = Task.Run(() => new CliApp(host with { Out = Out, Error = Error, OpenStandardOutput = () => raw }).RunAsync(args, cancellationToken), CancellationToken.None);
    }

    public CaptureWriter Out { get; } = new();

    public CaptureWriter Error { get; } = new();

    public Task<int> Exit { get; }

    public static CliRun Start(IReadOnlyList<string> args, CliHost host, CancellationToken cancellationToken) => new(host, args, cancellationToken);

    /// <summary>Waits for the end (within <paramref name="timeout"/>) and returns what was printed.</summary>
    public async Task<CliResult> ResultAsync(TimeSpan timeout)
    {
        int exitCode;
        try
        {
            exitCode = await Exit.WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The CLI did not finish within {timeout}.\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}");
        }

        return new CliResult(exitCode, Out.ToString(), Error.ToString(), _rawOut());
    }
}

/// <summary>Runs the CLI in-process with captured output, chosen environment variables and clock.</summary>
internal static class TestCli
{
    /// <summary>Short pauses, so a reconnect test takes milliseconds.</summary>
    public static readonly ReconnectPolicy FastReconnect = new(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5));

    /// <summary>A host with the given variables only, UTC times and fast reconnects; its writers are replaced by <see cref="CliRun"/>.</summary>
    public static CliHost Host(
        IReadOnlyDictionary<string, string>? environment = null,
        Func<ConnectionSettings, OrchestratorConnection>? connect = null,
        ReconnectPolicy? reconnect = null,
        string? baseDirectory = null) => new()
        {
            Out = TextWriter.Null,
            Error = TextWriter.Null,
            OpenStandardOutput = () => Stream.Null,
            OutputIsTerminal = false,
            GetEnvironmentVariable = name => environment?.GetValueOrDefault(name),
            TimeProvider = UtcClock.Instance,
            Connect = connect ?? OrchestratorConnection.Open,
            Reconnect = reconnect ?? FastReconnect,
            BaseDirectory = baseDirectory ?? AppContext.BaseDirectory,
        };

    /// <param name="args">The command line.</param>
    /// <param name="environment">The only environment variables the CLI sees.</param>
    /// <param name="connect">Replaces how the CLI connects (e.g. to count connections).</param>
    /// <param name="reconnect">How broken streams are retried.</param>
    /// <param name="baseDirectory">Where the program lookup starts.</param>
    public static Task<CliResult> RunAsync(
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? environment = null,
        Func<ConnectionSettings, OrchestratorConnection>? connect = null,
        ReconnectPolicy? reconnect = null,
        string? baseDirectory = null) =>
        CliRun.Start(args, Host(environment, connect, reconnect, baseDirectory), TestContext.Current.CancellationToken)
            .ResultAsync(TimeSpan.FromSeconds(60));
}

/// <summary>The system clock and timers, with UTC as the local zone so that printed times do not depend on the machine.</summary>
internal sealed class UtcClock : TimeProvider
{
    public static readonly UtcClock Instance = new();

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
