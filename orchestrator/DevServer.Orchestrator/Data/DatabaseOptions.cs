using System.ComponentModel.DataAnnotations;

namespace DevServer.Orchestrator.Data;

/// <summary>Where the orchestrator keeps its state (section <c>Orchestrator:Database</c>).</summary>
internal sealed class DatabaseOptions
{
    public const string Section = "Orchestrator:Database";

    /// <summary>The key of the data directory (outside the section: the tokens live there too, not only the database).</summary>
    public const string DataDirectoryKey = "Orchestrator:DataDirectory";

    /// <summary>An external PostgreSQL server (Npgsql syntax). Empty: a private cluster in the data directory.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// How long the orchestrator waits at start for an external server it cannot reach, trying again every two
    /// seconds: after a reboot the database may come up after the orchestrator. When the time is up it exits with
    /// code 69 (EX_UNAVAILABLE), which a service manager restarts. Zero: no waiting.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "StartupWait must be between 0 and 1 hour.")]
    public TimeSpan StartupWait { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The folder with initdb, pg_ctl and postgres for the embedded cluster. Empty: PATH, then the highest
    /// <c>/usr/lib/postgresql/&lt;version&gt;/bin</c>.
    /// </summary>
    public string PostgresBinDirectory { get; set; } = "";

    /// <summary>
    /// The embedded server's port. It only names the Unix socket (<c>.s.PGSQL.&lt;port&gt;</c>) in the cluster's own
    /// socket folder: the server listens on no TCP address, so this never collides with another server.
    /// </summary>
    [Range(1, 65535)]
    public int EmbeddedPort { get; set; } = 5432;

    /// <summary>
    /// Who runs the embedded server when the orchestrator runs as root (PostgreSQL refuses to run as root).
    /// Ignored otherwise: the server then runs as the orchestrator's own user.
    /// </summary>
    [Required]
    [RegularExpression("^[a-z_][a-z0-9_-]*[$]?$", ErrorMessage = "UnprivilegedUser must be a user name such as 'nobody'.")]
    public string UnprivilegedUser { get; set; } = "nobody";
}
