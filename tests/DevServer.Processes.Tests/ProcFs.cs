using System.Globalization;

namespace DevServer.Processes.Tests;

/// <summary>What the tests ask /proc about processes, independently of the runner's own reading of it.</summary>
internal static class ProcFs
{
    /// <summary>The process's start time (clock ticks since boot), or null when it does not exist.</summary>
    public static ulong? StartTime(int id) => Fields(id) is { } fields ? ulong.Parse(fields[19], CultureInfo.InvariantCulture) : null;

    public static int SessionId(int id) => int.Parse(Fields(id)![3], CultureInfo.InvariantCulture);

    /// <summary>True while the process that started at <paramref name="startTime"/> runs (a zombie has ended).</summary>
    public static bool IsRunning(int id, ulong startTime) =>
        Fields(id) is { } fields && ulong.Parse(fields[19], CultureInfo.InvariantCulture) == startTime && fields[0] is not ("Z" or "X");

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
