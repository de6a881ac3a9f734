using System.Globalization;

namespace DevServer.Orchestrator.Data;

/// <summary>The PostgreSQL server programs the embedded cluster runs: initdb, pg_ctl (and postgres, which pg_ctl starts).</summary>
internal sealed record PostgresBinaries(string Directory)
{
    /// <summary>Where Debian and Ubuntu install each major version's server programs (<c>&lt;n&gt;/bin</c>).</summary>
    public const string DebianRoot = "/usr/lib/postgresql";

    private static readonly string[] Programs = ["initdb", "pg_ctl", "postgres"];

    public string Initdb => Path.Combine(Directory, "initdb");

    public string PgCtl => Path.Combine(Directory, "pg_ctl");

    /// <summary>
    /// The configured folder; otherwise <paramref name="debianRoot"/>'s <paramref name="preferredVersion"/> (the version
    /// that created an existing cluster: a newer one installed beside it cannot run it); otherwise the first PATH entry
    /// holding all three programs; otherwise the highest version under <paramref name="debianRoot"/>. Throws saying what
    /// to install when there are none.
    /// </summary>
    public static PostgresBinaries Find(string? configuredDirectory, string? pathVariable, int? preferredVersion = null, string debianRoot = DebianRoot)
    {
        if (configuredDirectory is not null)
        {
            return HasAll(configuredDirectory)
                ? new PostgresBinaries(configuredDirectory)
                : throw new EmbeddedPostgresException(
                    $"{DatabaseOptions.Section}:PostgresBinDirectory is '{configuredDirectory}', which does not contain " +
                    $"{string.Join(", ", Programs)}. Point it at the PostgreSQL server's bin folder, or leave it empty to search PATH and {debianRoot}.");
        }

        if (preferredVersion is not null && Path.Combine(debianRoot, preferredVersion.Value.ToString(CultureInfo.InvariantCulture), "bin") is var preferred && HasAll(preferred))
        {
            return new PostgresBinaries(preferred);
        }

        var onPath = (pathVariable ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(HasAll);
        if (onPath is not null)
        {
            return new PostgresBinaries(onPath);
        }

        var debian = Versions(debianRoot)
            .OrderByDescending(v => v.Version)
            .Select(v => Path.Combine(v.Path, "bin"))
            .FirstOrDefault(HasAll);
        return debian is not null
            ? new PostgresBinaries(debian)
            : throw new EmbeddedPostgresException(
                "The orchestrator runs a private PostgreSQL by default, but no PostgreSQL server programs (initdb, pg_ctl, postgres) " +
                $"were found on PATH or in {debianRoot}/<version>/bin. Install the PostgreSQL server (Debian/Ubuntu: " +
                "'apt-get install postgresql'; Fedora: 'dnf install postgresql-server'; macOS: 'brew install postgresql'), " +
                $"set {DatabaseOptions.Section}:PostgresBinDirectory to its bin folder, or set {DatabaseOptions.Section}:ConnectionString " +
                "to use an existing PostgreSQL server.");
    }

    private static IEnumerable<(int Version, string Path)> Versions(string root)
    {
        if (!System.IO.Directory.Exists(root))
        {
            yield break;
        }

        foreach (var path in System.IO.Directory.EnumerateDirectories(root))
        {
            if (int.TryParse(Path.GetFileName(path), out var version))
            {
                yield return (version, path);
            }
        }
    }

    private static bool HasAll(string directory) => Programs.All(program => File.Exists(Path.Combine(directory, program)));
}
