using DevServer.Orchestrator.Data;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Hosting;

/// <summary>
/// Start-up failures a person can fix (a bad setting, missing PostgreSQL binaries, a port in use, a database that
/// refuses us) end the program with their message and exit code 1, not a stack trace; anything else is a bug and keeps
/// its stack trace. An external database that could not be reached in time ends it with <see cref="Unavailable"/>.
/// </summary>
internal static class StartupFailure
{
    /// <summary>EX_UNAVAILABLE (sysexits.h): the database was not there yet; unlike 1, systemd restarts after it.</summary>
    public const int Unavailable = 69;

    public static bool IsExplained(Exception exception) =>
        exception is OptionsValidationException or EmbeddedPostgresException or ExternalDatabaseException or IOException;

    public static int Report(Exception exception)
    {
        Console.Error.WriteLine($"DevServer orchestrator cannot start: {exception.Message}");
        return exception is ExternalDatabaseException { Retryable: true } ? Unavailable : 1;
    }
}
