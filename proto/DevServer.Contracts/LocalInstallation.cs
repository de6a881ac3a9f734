namespace DevServer.Contracts;

/// <summary>
/// How the parts of a local installation find each other without configuration: the orchestrator writes its
/// tokens into the data directory, and the CLI and locally started workers read them from there.
/// </summary>
public static class LocalInstallation
{
    /// <summary>The environment variable that overrides the data directory for every DevServer program.</summary>
    public const string DataDirectoryVariable = "DEVSERVER_DATA";

    /// <summary>The orchestrator's default h2c port (the API and the mesh).</summary>
    public const int DefaultGrpcPort = 5180;

    /// <summary>The orchestrator's default HTTP/1.1 port (gRPC-Web for browsers).</summary>
    public const int DefaultWebPort = 5181;

    /// <summary>The file in the data directory holding the admin token (mode 0600).</summary>
    public const string AdminTokenFileName = "admin.token";

    /// <summary>The file in the data directory holding the worker token (mode 0600).</summary>
    public const string WorkerTokenFileName = "worker.token";

    /// <summary>
    /// The embedded PostgreSQL cluster of the data directory <paramref name="dataDirectory"/>, which the orchestrator
    /// runs; <c>devserver up</c> stops its server when the orchestrator died without doing so.
    /// </summary>
    public static string EmbeddedClusterDirectory(string dataDirectory) => Path.Combine(dataDirectory, "postgres", "cluster");

    /// <summary>
    /// <c>$DEVSERVER_DATA</c> when set; otherwise <c>/var/lib/devserver</c> for root (PostgreSQL then runs as an
    /// unprivileged user, who cannot enter /root) and <c>$XDG_DATA_HOME/devserver</c> (or
    /// <c>~/.local/share/devserver</c>) for everybody else.
    /// </summary>
    public static string DefaultDataDirectory()
    {
        var configured = Environment.GetEnvironmentVariable(DataDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        if (Environment.IsPrivilegedProcess)
        {
            return "/var/lib/devserver";
        }

        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrWhiteSpace(dataHome))
        {
            dataHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return Path.Combine(dataHome, "devserver");
    }
}
