using System.Globalization;
using System.Runtime.Versioning;

namespace DevServer.Orchestrator.Data;

/// <summary>
/// The embedded cluster's folders and who owns them. As root, <c>&lt;data&gt;/postgres</c> and its socket folder belong
/// to the unprivileged user who runs the server, and that user must be able to reach them through every parent.
/// </summary>
internal sealed partial class ClusterFolders(EmbeddedPostgresOptions options, EmbeddedPostgres postgres, ILogger logger)
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    // Root's data directory lets others pass through (to reach postgres/) but not list it; the token files are 0600.
    private const UnixFileMode PassThrough = OwnerOnly | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The major version in the cluster's PG_VERSION; null when there is no (complete) cluster yet.</summary>
    public int? ClusterVersion()
    {
        var file = Path.Combine(options.ClusterDirectory, "PG_VERSION");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var version)
            ? version
            : null;
    }

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new EmbeddedPostgresException(
                $"The embedded PostgreSQL needs Linux or macOS; set {DatabaseOptions.Section}:ConnectionString to use a PostgreSQL server.");
        }

        if (options.RunAsUser is not { } user)
        {
            CreateOwnerOnly(options.DataDirectory);
            CreateOwnerOnly(options.RootDirectory);
            CreateOwnerOnly(options.SocketDirectory);
            return;
        }

        var id = await postgres.RunAsync("id", ["-u", user], asClusterOwner: false, cancellationToken);
        if (id.ExitCode is not 0)
        {
            throw new EmbeddedPostgresException(
                $"The embedded PostgreSQL must run as an unprivileged user when the orchestrator runs as root, and " +
                $"{DatabaseOptions.Section}:UnprivilegedUser is '{user}', which does not exist. Create it or name another user.");
        }

        if (!Directory.Exists(options.DataDirectory))
        {
            Directory.CreateDirectory(options.DataDirectory, PassThrough);
        }

        CreateOwnerOnly(options.RootDirectory);
        CreateOwnerOnly(options.SocketDirectory);
        var chown = await postgres.RunAsync("chown", [$"{user}:", options.RootDirectory, options.SocketDirectory], asClusterOwner: false, cancellationToken);
        if (chown.ExitCode is not 0)
        {
            throw new EmbeddedPostgresException($"Cannot give {options.RootDirectory} to '{user}': {chown.StandardError.Trim()}");
        }

        // A cluster made by a run as another user would be refused by pg_ctl with a less helpful message.
        var reach = await postgres.RunAsync("test", ["-w", options.RootDirectory], asClusterOwner: true, cancellationToken);
        if (reach.ExitCode is not 0)
        {
            var blocking = FirstClosedParent(options.RootDirectory) ?? options.DataDirectory;
            throw new EmbeddedPostgresException(
                $"The embedded PostgreSQL runs as '{user}' (PostgreSQL refuses to run as root), and '{user}' cannot reach the data " +
                $"directory {options.DataDirectory}: {blocking} does not let other users enter it. Allow it ('chmod o+x {blocking}'), " +
                $"choose another {DatabaseOptions.DataDirectoryKey}, or set {DatabaseOptions.Section}:ConnectionString to use an existing server.");
        }
    }

    /// <summary>Removes a cluster folder without PG_VERSION: initdb was killed half-way (it cleans up after its own errors).</summary>
    public void RemoveIncompleteCluster()
    {
        if (Directory.Exists(options.ClusterDirectory))
        {
            LogRemovingIncomplete(logger, options.ClusterDirectory);
            Directory.Delete(options.ClusterDirectory, recursive: true);
        }
    }

    [UnsupportedOSPlatform("windows")]
    private static void CreateOwnerOnly(string directory)
    {
        Directory.CreateDirectory(directory, OwnerOnly);
        File.SetUnixFileMode(directory, OwnerOnly);
    }

    /// <summary>The outermost parent of <paramref name="path"/> that others may not enter (by its mode bits), if any.</summary>
    [UnsupportedOSPlatform("windows")]
    private static string? FirstClosedParent(string path)
    {
        var parents = new List<string>();
        for (var directory = Path.GetDirectoryName(path); !string.IsNullOrEmpty(directory); directory = Path.GetDirectoryName(directory))
        {
            parents.Add(directory);
        }

        parents.Reverse();
        return parents.FirstOrDefault(p => Directory.Exists(p) && (File.GetUnixFileMode(p) & UnixFileMode.OtherExecute) == 0);
    }

    [LoggerMessage(1, LogLevel.Warning, "Embedded PostgreSQL: removing {ClusterDirectory}, left incomplete by an interrupted initdb")]
    private static partial void LogRemovingIncomplete(ILogger logger, string clusterDirectory);
}
