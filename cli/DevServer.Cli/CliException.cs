namespace DevServer.Cli;

/// <summary>
/// An error a command reports to the user as one line on stderr with an exit code (a usage error found after
/// parsing, a file that cannot be read, a child program that would not start). Never shown with a stack trace.
/// </summary>
internal sealed class CliException(int exitCode, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public int ExitCode { get; } = exitCode;

    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}
