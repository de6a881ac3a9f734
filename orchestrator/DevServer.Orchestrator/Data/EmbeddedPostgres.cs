using System.Diagnostics;
using System.Globalization;
using DevServer.Processes;
using Npgsql;

namespace DevServer.Orchestrator.Data;

/// <summary>How <see cref="EmbeddedPostgres.StartAsync"/> got the server running.</summary>
internal enum EmbeddedPostgresStart
{
    /// <summary>A new cluster was created and started.</summary>
    Initialized,

    /// <summary>The existing cluster was started.</summary>
    Started,

    /// <summary>The cluster's server was still running (e.g. the orchestrator was killed) and is used as it is.</summary>
    Reused,
}

/// <summary>
/// The orchestrator's private PostgreSQL: a cluster in the data directory, created once with initdb, started with
/// pg_ctl on a Unix socket only, stopped on shutdown. As root, the cluster belongs to and runs as an unprivileged
/// user, because PostgreSQL refuses to run as root. A server left running by an earlier run that was killed is reused.
/// </summary>
internal sealed partial class EmbeddedPostgres(EmbeddedPostgresOptions options, ILogger<EmbeddedPostgres> logger)
{
    /// <summary>The cluster's superuser; trusted on the socket, which only the cluster's owner (and root) can reach.</summary>
    public const string User = "devserver";

    /// <summary>The orchestrator's database in the cluster.</summary>
    public const string Database = "devserver";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ConnectRetryDelay = TimeSpan.FromMilliseconds(200);

    private PostgresBinaries? _binaries;

    public EmbeddedPostgresOptions Options => options;

    private string PidFile => Path.Combine(options.ClusterDirectory, "postmaster.pid");

    /// <summary>Creates the cluster if needed, starts its server (or reuses a running one) and creates the database.</summary>
    public async Task<EmbeddedPostgresStart> StartAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var folders = new ClusterFolders(options, this, logger);
        var clusterVersion = folders.ClusterVersion();
        var binaries = _binaries = PostgresBinaries.Find(options.BinDirectory, Environment.GetEnvironmentVariable("PATH"), clusterVersion);
        LogBinaries(logger, binaries.Directory, options.RunAsUser ?? Environment.UserName);
        await folders.PrepareAsync(cancellationToken);

        var initialized = false;
        if (clusterVersion is null)
        {
            folders.RemoveIncompleteCluster();
            await InitdbAsync(binaries, cancellationToken);
            initialized = true;
        }
        else
        {
            await CheckVersionAsync(binaries, clusterVersion.Value, cancellationToken);
        }

        var reused = await StartServerAsync(binaries, cancellationToken);
        await WaitUntilAcceptingAsync(cancellationToken);
        await CreateDatabaseAsync(Database, template: null, cancellationToken);
        LogReady(logger, options.SocketDirectory, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return initialized ? EmbeddedPostgresStart.Initialized : reused ? EmbeddedPostgresStart.Reused : EmbeddedPostgresStart.Started;
    }

    /// <summary>Stops the server (fast shutdown: open sessions are ended); nothing to do when it is not running.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!IsServerRunning())
        {
            // No server: a running one always has its pid file, naming itself. Also what a start that failed early leaves.
            return;
        }

        var binaries = _binaries ?? PostgresBinaries.Find(options.BinDirectory, Environment.GetEnvironmentVariable("PATH"), new ClusterFolders(options, this, logger).ClusterVersion());
        if (await StatusAsync(binaries, cancellationToken) is not ServerStatus.Running)
        {
            return;
        }

        LogStopping(logger, options.ClusterDirectory);
        var timeout = ((int)StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var stop = await PgCtlAsync(binaries, ["-D", options.ClusterDirectory, "-m", "fast", "-w", "-t", timeout, "stop"], cancellationToken);
        if (stop.ExitCode is not 0 && await StatusAsync(binaries, cancellationToken) is ServerStatus.Running)
        {
            throw Failure("pg_ctl stop", stop);
        }

        LogStopped(logger);
    }

    /// <summary>Whether the cluster's server runs: its <c>postmaster.pid</c> names a live postmaster of this cluster.</summary>
    public bool IsServerRunning() => PostmasterPid.ReadRunning(PidFile) is not null;

    /// <summary>
    /// Creates a database unless it exists, optionally as a copy of <paramref name="template"/> (the test fixture
    /// copies a migrated template, which is much faster than migrating each database).
    /// </summary>
    public async Task CreateDatabaseAsync(string name, string? template, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(MaintenanceConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = name });
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return;
            }
        }

        var sql = $"CREATE DATABASE {Quote(name)}" + (template is null ? "" : $" TEMPLATE {Quote(template)}");
        await using var create = new NpgsqlCommand(sql, connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
            LogCreatedDatabase(logger, name);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Created by someone else since the check.
        }
    }

    /// <summary>A connection to the <c>postgres</c> database without pooling, for cluster administration.</summary>
    public string MaintenanceConnectionString() =>
        new NpgsqlConnectionStringBuilder(options.ConnectionString("postgres", 1, "devserver-embedded")) { Pooling = false }.ConnectionString;

    private async Task InitdbAsync(PostgresBinaries binaries, CancellationToken cancellationToken)
    {
        LogInitializing(logger, options.ClusterDirectory);
        // C locale: the same sort order and behaviour on every machine, whatever its environment says.
        var initdb = await RunAsync(
            binaries.Initdb,
            ["-D", options.ClusterDirectory, "-U", User, "--auth=trust", "--encoding=UTF8", "--locale=C"],
            asClusterOwner: true,
            cancellationToken);
        if (initdb.ExitCode is not 0)
        {
            throw Failure("initdb", initdb);
        }
    }

    /// <summary>Starts the server unless one already runs on the cluster; true when a running one is reused.</summary>
    private async Task<bool> StartServerAsync(PostgresBinaries binaries, CancellationToken cancellationToken)
    {
        var pidFile = PidFile;
        switch (await StatusAsync(binaries, cancellationToken))
        {
            case ServerStatus.Running when PostmasterPid.Read(pidFile) is { } running:
                if (!running.IsRunningServer(pidFile))
                {
                    // A server's zombie, or the PID now belongs to an unrelated process: the file is stale.
                    LogStalePidFile(logger, running.Pid);
                    File.Delete(pidFile);
                    break;
                }

                if (running.Port == options.Port && running.SocketDirectory == options.SocketDirectory)
                {
                    LogReusing(logger, running.Pid);
                    return true;
                }

                LogRestarting(logger, running.Pid, running.SocketDirectory, running.Port);
                await StopAsync(cancellationToken);
                break;
            case ServerStatus.Running:
                break;
            case ServerStatus.Stopped when File.Exists(pidFile):
                // pg_ctl found no live process behind the file: a crash or a kill left it behind.
                LogStalePidFile(logger, PostmasterPid.Read(pidFile)?.Pid ?? 0);
                File.Delete(pidFile);
                break;
        }

        RotateLog();
        LogStarting(logger, options.ClusterDirectory, options.SocketPath);
        string[] settings = [$"-k '{options.SocketDirectory}'", $"-p {options.Port}", "-c listen_addresses=''", .. options.ServerSettings.Select(s => $"-c {s}")];
        var timeout = ((int)StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        // -l: the server's output goes to its log file, not to pg_ctl's pipes (which would then never close).
        var start = await PgCtlAsync(
            binaries,
            ["-D", options.ClusterDirectory, "-l", options.LogFile, "-w", "-t", timeout, "-o", string.Join(' ', settings), "start"],
            cancellationToken);
        return start.ExitCode is 0 ? false : throw Failure("pg_ctl start", start, LogTail());
    }

    private async Task<ServerStatus> StatusAsync(PostgresBinaries binaries, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(options.ClusterDirectory))
        {
            return ServerStatus.Stopped;
        }

        var status = await PgCtlAsync(binaries, ["-D", options.ClusterDirectory, "status"], cancellationToken);
        // pg_ctl status: 0 running, 3 not running, 4 no accessible data directory.
        return status.ExitCode switch
        {
            0 => ServerStatus.Running,
            3 => ServerStatus.Stopped,
            _ => throw Failure("pg_ctl status", status),
        };
    }

    /// <summary>pg_ctl start -w has waited already; a reused server may still be recovering after a crash.</summary>
    private async Task WaitUntilAcceptingAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(MaintenanceConnectionString());
                await connection.OpenAsync(deadline.Token);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException && !deadline.IsCancellationRequested)
            {
                await Task.Delay(ConnectRetryDelay, deadline.Token);
            }
        }
    }

    private async Task CheckVersionAsync(PostgresBinaries binaries, int clusterVersion, CancellationToken cancellationToken)
    {
        var version = await RunAsync(binaries.PgCtl, ["--version"], asClusterOwner: true, cancellationToken);
        // "pg_ctl (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
        var words = version.StandardOutput.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length >= 3 && int.TryParse(words[2].Split('.')[0], CultureInfo.InvariantCulture, out var major) && major != clusterVersion)
        {
            throw new EmbeddedPostgresException(
                $"The embedded cluster in {options.ClusterDirectory} was created by PostgreSQL {clusterVersion}, but the programs in " +
                $"{binaries.Directory} are PostgreSQL {major}. Install PostgreSQL {clusterVersion} beside it (Debian: " +
                $"'apt-get install postgresql-{clusterVersion}') or set {DatabaseOptions.Section}:PostgresBinDirectory to its bin folder, " +
                "or upgrade the cluster with pg_upgrade.");
        }
    }

    private void RotateLog()
    {
        const long MaxLogBytes = 10 * 1024 * 1024;
        var log = new FileInfo(options.LogFile);
        if (log.Exists && log.Length > MaxLogBytes)
        {
            log.MoveTo(options.LogFile + ".1", overwrite: true);
        }
    }

    private string LogTail()
    {
        try
        {
            return string.Join('\n', File.ReadLines(options.LogFile).TakeLast(20));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private Task<CapturedProcess> PgCtlAsync(PostgresBinaries binaries, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(binaries.PgCtl, arguments, asClusterOwner: true, cancellationToken);

    /// <summary>Runs a program (as the cluster's owner, or as ourselves) in a folder the owner can enter.</summary>
    internal async Task<CapturedProcess> RunAsync(string program, IReadOnlyList<string> arguments, bool asClusterOwner, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.CaptureAsync(
            new ProcessSpec(program, arguments)
            {
                WorkingDirectory = asClusterOwner ? options.RootDirectory : null,
                RunAsUser = asClusterOwner ? options.RunAsUser : null,
                // PostgreSQL's programs read PG* variables; the orchestrator's own settings and secrets are none of theirs.
                EnvironmentMode = EnvironmentMode.Scrubbed,
            },
            cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    private static EmbeddedPostgresException Failure(string what, CapturedProcess result, string serverLog = "")
    {
        var output = string.Join('\n', new[] { result.StandardError.Trim(), result.StandardOutput.Trim(), serverLog.Trim() }.Where(s => s.Length > 0));
        return new EmbeddedPostgresException($"The embedded PostgreSQL failed: {what} exited with {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "a signal"}.\n{output}");
    }

    private static string Quote(string identifier) =>
        identifier.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')
            ? $"\"{identifier}\""
            : throw new ArgumentException($"'{identifier}' is not a plain database name.", nameof(identifier));

    private enum ServerStatus
    {
        Stopped,
        Running,
    }

    [LoggerMessage(1, LogLevel.Information, "Embedded PostgreSQL: programs in {BinDirectory}, running as {User}")]
    private static partial void LogBinaries(ILogger logger, string binDirectory, string user);

    [LoggerMessage(2, LogLevel.Information, "Embedded PostgreSQL: creating the cluster in {ClusterDirectory}")]
    private static partial void LogInitializing(ILogger logger, string clusterDirectory);

    [LoggerMessage(3, LogLevel.Information, "Embedded PostgreSQL: starting the server of {ClusterDirectory} on {SocketPath}")]
    private static partial void LogStarting(ILogger logger, string clusterDirectory, string socketPath);

    [LoggerMessage(4, LogLevel.Information, "Embedded PostgreSQL: reusing the server still running from an earlier run (PID {Pid})")]
    private static partial void LogReusing(ILogger logger, int pid);

    [LoggerMessage(5, LogLevel.Warning, "Embedded PostgreSQL: removing a stale postmaster.pid (PID {Pid} is not a running server)")]
    private static partial void LogStalePidFile(ILogger logger, int pid);

    [LoggerMessage(6, LogLevel.Information, "Embedded PostgreSQL: the running server (PID {Pid}) uses socket folder {SocketDirectory} port {Port}; restarting it with the configured settings")]
    private static partial void LogRestarting(ILogger logger, int pid, string socketDirectory, int port);

    [LoggerMessage(7, LogLevel.Information, "Embedded PostgreSQL: created database {Database}")]
    private static partial void LogCreatedDatabase(ILogger logger, string database);

    [LoggerMessage(8, LogLevel.Information, "Embedded PostgreSQL: ready on {SocketDirectory} after {ElapsedMs:F0} ms")]
    private static partial void LogReady(ILogger logger, string socketDirectory, double elapsedMs);

    [LoggerMessage(9, LogLevel.Information, "Embedded PostgreSQL: stopping the server of {ClusterDirectory}")]
    private static partial void LogStopping(ILogger logger, string clusterDirectory);

    [LoggerMessage(10, LogLevel.Information, "Embedded PostgreSQL: stopped")]
    private static partial void LogStopped(ILogger logger);
}
