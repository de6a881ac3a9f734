using Npgsql;

namespace DevServer.Orchestrator.Data;

/// <summary>Which database failures mean "the database cannot be reached" (try again later) rather than a bug.</summary>
internal static class DatabaseErrors
{
    /// <summary>
    /// Npgsql's transient errors (I/O on the connection, timeouts, resource shortages, "cannot connect now"), plus the
    /// server ending the session because it shuts down or crashed (57P01, 57P02), which Npgsql does not count as transient.
    /// </summary>
    public static bool IsUnreachable(NpgsqlException exception) =>
        exception.IsTransient || exception is PostgresException { SqlState: "57P01" or "57P02" or "57P03" };
}
