using System.Globalization;

namespace DevServer.Processes;

/// <summary>
/// What a running PostgreSQL server wrote into its cluster's <c>postmaster.pid</c>. The orchestrator's embedded
/// server and <c>devserver up</c>, which stops one an orchestrator left behind, read it the same way.
/// </summary>
public sealed record PostmasterPid(int Pid, int Port, string SocketDirectory)
{
    /// <summary>
    /// The file's lines: PID, data directory, start time, port, first socket directory, listen address, ...
    /// Null when the file is missing or cut short (a server writes it in steps while it starts).
    /// </summary>
    public static PostmasterPid? Read(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return lines.Length >= 5
            && int.TryParse(lines[0], CultureInfo.InvariantCulture, out var pid)
            && int.TryParse(lines[3], CultureInfo.InvariantCulture, out var port)
                ? new PostmasterPid(pid, port, lines[4].Trim())
                : null;
    }

    /// <summary>The server of the cluster whose pid file is <paramref name="pidFile"/> when it runs (<see cref="IsRunningServer"/>), else null.</summary>
    public static PostmasterPid? ReadRunning(string pidFile) =>
        Read(pidFile) is { } server && server.IsRunningServer(pidFile) ? server : null;

    /// <summary>
    /// Whether <see cref="Pid"/> is the live server of the cluster whose pid file is <paramref name="pidFile"/>. pg_ctl
    /// only checks that the PID exists, which also holds for the zombie of a server that ended and was not reaped yet,
    /// for an unrelated process that got the number after a reboot or container restart, and for a process of another
    /// cluster. A postmaster works in its data directory, so its working directory must hold this very pid file.
    /// Assumed true where /proc is missing.
    /// </summary>
    public bool IsRunningServer(string pidFile)
    {
        if (!Directory.Exists("/proc/self"))
        {
            return true;
        }

        try
        {
            return ProcessTree.Identify(Pid) is not null
                && File.ReadAllText($"/proc/{Pid}/cwd/postmaster.pid") == File.ReadAllText(pidFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone, or another user's process: not our server either way.
            return false;
        }
    }

    /// <summary>
    /// Asks the server for PostgreSQL's fast shutdown (SIGINT): sessions end, the cluster is written consistent, the
    /// pid file goes. False when the process has ended. Only for a server <see cref="IsRunningServer"/> confirmed.
    /// </summary>
    public bool RequestFastShutdown() => ProcessTree.Signal(Pid, NativeMethods.SigInt);
}
