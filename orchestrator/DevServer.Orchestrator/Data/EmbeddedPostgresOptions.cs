using DevServer.Contracts;
using Npgsql;

namespace DevServer.Orchestrator.Data;

/// <summary>
/// A private PostgreSQL cluster under <c>&lt;data&gt;/postgres</c>: the cluster in <c>cluster/</c>, its Unix socket in
/// <c>run/</c> (no TCP listener), the server log in <c>server.log</c>.
/// </summary>
/// <param name="DataDirectory">The orchestrator's data directory.</param>
/// <param name="BinDirectory">Where initdb and pg_ctl are; null to search PATH and the Debian location.</param>
/// <param name="Port">Names the socket file only.</param>
/// <param name="RunAsUser">The unprivileged user that owns and runs the cluster when we are root; null to run as ourselves.</param>
internal sealed record EmbeddedPostgresOptions(string DataDirectory, string? BinDirectory, int Port, string? RunAsUser)
{
    /// <summary>The longest Unix socket path Linux accepts (sun_path holds 108 bytes with the terminating zero).</summary>
    private const int MaxSocketPathLength = 107;

    /// <summary>
    /// Extra server settings (<c>name=value</c>, passed as <c>-c</c>). The test fixture turns durability off with
    /// them; the product passes none.
    /// </summary>
    public IReadOnlyList<string> ServerSettings { get; init; } = [];

    public string RootDirectory => Path.Combine(DataDirectory, "postgres");

    public string ClusterDirectory => LocalInstallation.EmbeddedClusterDirectory(DataDirectory);

    public string SocketDirectory => Path.Combine(RootDirectory, "run");

    public string LogFile => Path.Combine(RootDirectory, "server.log");

    public string SocketPath => Path.Combine(SocketDirectory, $".s.PGSQL.{Port}");

    /// <summary>A connection over the cluster's socket as its superuser (trust authentication on the socket).</summary>
    public string ConnectionString(string database, int maxPoolSize, string applicationName) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = SocketDirectory,
            Port = Port,
            Username = EmbeddedPostgres.User,
            Database = database,
            Enlist = false,
            MaxPoolSize = maxPoolSize,
            ApplicationName = applicationName,
            // A local socket connects at once; Npgsql's 15 s default only matters when the server hangs. Then it also
            // bounds the cancel request Npgsql opens inline when a token fires (npgsql#3696), which holds up whoever
            // cancels: a stopping loop, and with it the orchestrator's shutdown.
            Timeout = 5,
        }.ConnectionString;

    /// <summary>What would make the server fail later with a less helpful message.</summary>
    public IEnumerable<string> Validate()
    {
        if (SocketPath.Length > MaxSocketPathLength)
        {
            yield return $"'{DataDirectory}' is too deep for the embedded PostgreSQL: its socket path {SocketPath} is longer than " +
                $"{MaxSocketPathLength} bytes. Choose a shorter data directory.";
        }

        // pg_ctl hands the server options to /bin/sh, where the paths are single-quoted.
        if (DataDirectory.AsSpan().IndexOfAny(['\'', '\n', '\r']) >= 0)
        {
            yield return $"'{DataDirectory}' contains a quote or line break, which the embedded PostgreSQL cannot take in its socket path.";
        }
    }
}
