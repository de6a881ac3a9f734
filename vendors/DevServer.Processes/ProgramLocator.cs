namespace DevServer.Processes;

/// <summary>
/// Finds a program before it is started: the child is started through setsid, which would report a missing
/// program only as exit code 127, so the runner looks first and throws an exception that names it.
/// </summary>
internal static class ProgramLocator
{
    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <param name="fileName">A path (containing '/') or a name looked up in <paramref name="searchPath"/>.</param>
    /// <param name="searchPath">A PATH value.</param>
    public static string Locate(string fileName, string? searchPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        if (fileName.Contains('/', StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(fileName);
            return IsExecutableFile(full)
                ? full
                : throw new FileNotFoundException($"Cannot start '{fileName}': no executable file at {full}.", fileName);
        }

        foreach (var directory in (searchPath ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, fileName);
            if (IsExecutableFile(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"Cannot start '{fileName}': not found in PATH ({searchPath}).", fileName);
    }

    private static bool IsExecutableFile(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & AnyExecute) != 0);
}
