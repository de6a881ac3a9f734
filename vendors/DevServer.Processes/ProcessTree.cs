using System.Globalization;
using System.Runtime.InteropServices;

namespace DevServer.Processes;

/// <summary>A process as /proc knows it; the start time tells a process from a later one that reuses its id.</summary>
internal readonly record struct ProcessIdentity(int Id, ulong StartTime);

/// <summary>
/// A child's tree read from /proc: its descendants (by parent id) and every process still in its process group or
/// session. Descendants that made their own session are found through their parents, which is why the tree is read
/// before the first signal (after it, a dead parent's children belong to init).
/// </summary>
internal static class ProcessTree
{
    public static HashSet<ProcessIdentity> Read(int rootId)
    {
        var all = new List<(ProcessIdentity Identity, int ParentId, int GroupId, int SessionId)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && TryReadStat(id) is { } stat)
            {
                all.Add((new ProcessIdentity(id, stat.StartTime), stat.ParentId, stat.GroupId, stat.SessionId));
            }
        }

        var tree = new HashSet<ProcessIdentity>();
        var ids = new HashSet<int> { rootId };
        foreach (var process in all)
        {
            if (process.Identity.Id == rootId || process.GroupId == rootId || process.SessionId == rootId)
            {
                tree.Add(process.Identity);
                ids.Add(process.Identity.Id);
            }
        }

        // Parents come and go in any order in /proc, so repeat until no new descendant turns up.
        bool grew;
        do
        {
            grew = false;
            foreach (var process in all)
            {
                if (ids.Contains(process.ParentId) && ids.Add(process.Identity.Id))
                {
                    tree.Add(process.Identity);
                    grew = true;
                }
            }
        }
        while (grew);

        return tree;
    }

    /// <summary>Sends a signal to a process group; false when the group has no process left.</summary>
    public static bool SignalGroup(int groupId, int signal) => Signal(-groupId, signal);

    /// <summary>Kills every process of <paramref name="tree"/> that is still the same process.</summary>
    public static void Kill(IEnumerable<ProcessIdentity> tree)
    {
        foreach (var process in tree)
        {
            if (IsAlive(process))
            {
                Signal(process.Id, NativeMethods.SigKill);
            }
        }
    }

    /// <summary>Waits until no process of <paramref name="tree"/> runs (zombies count as ended), up to <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitUntilEndedAsync(IReadOnlyCollection<ProcessIdentity> tree, TimeSpan timeout)
    {
        using var bounded = new CancellationTokenSource(timeout);
        while (tree.Any(IsAlive))
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), bounded.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsAlive(ProcessIdentity process) =>
        TryReadStat(process.Id) is { } stat && stat.StartTime == process.StartTime && stat.State is not ('Z' or 'X');

    /// <summary>The process with this id as it is now (its start time), or null when there is none or it has ended.</summary>
    public static ProcessIdentity? Identify(int id) =>
        TryReadStat(id) is { State: not ('Z' or 'X') } stat ? new ProcessIdentity(id, stat.StartTime) : null;

    /// <summary>Sends a signal to one process; false when it has ended (or is not ours to signal).</summary>
    public static bool Signal(int target, int signal)
    {
        if (NativeMethods.Kill(target, signal) == 0)
        {
            return true;
        }

        // ESRCH: it has ended. EPERM: a process that changed its user (a set-user-id program) and is not ours to
        // signal; nothing more can be done about it from here.
        var error = Marshal.GetLastPInvokeError();
        return error is NativeMethods.Esrch or NativeMethods.Eperm
            ? false
            : throw new InvalidOperationException($"kill({target}, {signal}) failed with errno {error}.");
    }

    private static Stat? TryReadStat(int id)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{id}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid pgrp session ... starttime ...": comm may hold spaces and parentheses, so the
        // fields are counted from the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 19
            ? new Stat(
                fields[0][0],
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                int.Parse(fields[2], CultureInfo.InvariantCulture),
                int.Parse(fields[3], CultureInfo.InvariantCulture),
                ulong.Parse(fields[19], CultureInfo.InvariantCulture))
            : null;
    }

    private sealed record Stat(char State, int ParentId, int GroupId, int SessionId, ulong StartTime);
}
