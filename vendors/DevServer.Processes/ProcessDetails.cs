using System.Globalization;
using System.Text;

namespace DevServer.Processes;

/// <summary>
/// What the process group ledger reads from /proc besides the tree: which processes carry a variable (and its value), a
/// process's command line and age, and which boot this is. Every read tolerates a process that ends (or is not ours to
/// read) meanwhile: it then counts as not carrying anything.
/// </summary>
internal static class ProcessDetails
{
    private const string BootIdPath = "/proc/sys/kernel/random/boot_id";

    /// <summary>This boot's id: process ids and start times only mean something within one boot.</summary>
    public static string BootId() => File.ReadAllText(BootIdPath).Trim();

    /// <summary>
    /// Every running process (but this one) whose environment has <paramref name="name"/>, by the variable's value: one
    /// look through /proc for all the values a caller asks about.
    /// </summary>
    public static Dictionary<string, List<ProcessIdentity>> Marked(string name)
    {
        var prefix = Encoding.UTF8.GetBytes(name + "=");
        var found = new Dictionary<string, List<ProcessIdentity>>(StringComparer.Ordinal);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && id != Environment.ProcessId
                && ProcessTree.Identify(id) is { } process
                && TryRead($"/proc/{id}/environ") is { } environment
                && ValueOf(environment, prefix) is { } value)
            {
                if (!found.TryGetValue(value, out var processes))
                {
                    found[value] = processes = [];
                }

                processes.Add(process);
            }
        }

        return found;
    }

    /// <summary>The command line, arguments separated by spaces, cut to <paramref name="maxLength"/> characters; empty when unknown.</summary>
    public static string CommandLine(int id, int maxLength)
    {
        var raw = TryRead($"/proc/{id}/cmdline");
        if (raw is null || raw.Length == 0)
        {
            return string.Empty;
        }

        var text = Encoding.UTF8.GetString(raw).TrimEnd('\0').Replace('\0', ' ');
        return text.Length <= maxLength ? text : string.Concat(text.AsSpan(0, maxLength - 1), "…");
    }

    /// <summary>How long the process has run: the system's uptime minus its start time, both since boot.</summary>
    public static TimeSpan Age(ProcessIdentity process)
    {
        var ticksPerSecond = NativeMethods.SystemConfiguration(NativeMethods.ScClockTicks);
        var uptime = File.ReadAllText("/proc/uptime").Split(' ')[0];
        var since = TimeSpan.FromSeconds(double.Parse(uptime, CultureInfo.InvariantCulture))
            - TimeSpan.FromSeconds((double)process.StartTime / (ticksPerSecond > 0 ? ticksPerSecond : 100));
        return since > TimeSpan.Zero ? since : TimeSpan.Zero;
    }

    // environ is NUL-separated NAME=value entries; only a whole name counts (not the end of a longer one).
    private static string? ValueOf(byte[] environment, byte[] prefix)
    {
        var rest = environment.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)0);
            var entry = end < 0 ? rest : rest[..end];
            if (entry.StartsWith(prefix))
            {
                return Encoding.UTF8.GetString(entry[prefix.Length..]);
            }

            rest = end < 0 ? [] : rest[(end + 1)..];
        }

        return null;
    }

    private static byte[]? TryRead(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            // The process ended meanwhile.
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            // Another user's process (readable only when this process is privileged): not provably ours.
            return null;
        }
    }
}
