using System.Globalization;

namespace DevServer.Testing;

/// <summary>
/// What tests ask /proc about processes, independently of the product's own reading of it: whether a process still
/// runs (a zombie has ended — it only waits for whoever inherited it to reap it), and whether an id now names
/// another process (start times differ).
/// </summary>
public static class ProcFs
{
    /// <summary>The process's start time (clock ticks since boot), or null when it does not exist.</summary>
    public static ulong? StartTime(int id) => Fields(id) is { } fields ? ulong.Parse(fields[19], CultureInfo.InvariantCulture) : null;

    public static int SessionId(int id) => int.Parse(Fields(id)![3], CultureInfo.InvariantCulture);

    /// <summary>True while the process that started at <paramref name="startTime"/> runs.</summary>
    public static bool IsRunning(int id, ulong startTime) =>
        Fields(id) is { } fields && ulong.Parse(fields[19], CultureInfo.InvariantCulture) == startTime && fields[0] is not ("Z" or "X");

    /// <summary>True while a process with this id exists and is not a zombie.</summary>
    public static bool IsRunning(int id) => Fields(id) is { } fields && fields[0] is not ("Z" or "X");

    /// <summary>The processes whose parent is <paramref name="id"/> now.</summary>
    public static IReadOnlyList<int> Children(int id)
    {
        var parent = id.ToString(CultureInfo.InvariantCulture);
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var child)
                && Fields(child) is { } fields && fields[1] == parent)
            {
                children.Add(child);
            }
        }

        return children;
    }

    private static string[]? Fields(int id)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{id}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
