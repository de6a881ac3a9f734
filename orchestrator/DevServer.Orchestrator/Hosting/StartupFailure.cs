using DevServer.Orchestrator.Data;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Hosting;

/// <summary>
/// Start-up failures a person can fix (a bad setting, missing PostgreSQL binaries, a port in use) end the program
/// with their message and exit code 1, not a stack trace; anything else is a bug and keeps its stack trace.
/// </summary>
internal static class StartupFailure
{
    public static bool IsExplained(Exception exception) =>
        exception is OptionsValidationException or EmbeddedPostgresException or IOException;

    public static int Report(Exception exception)
    {
        Console.Error.WriteLine($"DevServer orchestrator cannot start: {exception.Message}");
        return 1;
    }
}
