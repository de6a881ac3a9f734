using System.Globalization;

namespace DevServer.Verifier.Tests;

/// <summary>Asks /proc whether a process still runs (a zombie has ended; a reused id is another process).</summary>
internal static class ProcFs
{
    public static ulong? StartTime(int id) => Fields(id) is { } fields ? ulong.Parse(fields[19], CultureInfo.InvariantCulture) : null;

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
