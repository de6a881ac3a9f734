using System.Globalization;
using System.Runtime.InteropServices;

namespace DevServer.Benchmarks.Report;

/// <summary>What the machine looked like: the figures mean little without the cores and the load beside them.</summary>
/// <param name="Cores">Logical processors the runtime sees.</param>
/// <param name="LoadAverage">1, 5 and 15 minute load averages from /proc/loadavg (null where there is none).</param>
/// <param name="Os">The operating system.</param>
/// <param name="Runtime">The .NET runtime running the benchmark.</param>
internal sealed record MachineSnapshot(int Cores, string? LoadAverage, string Os, string Runtime)
{
    public static MachineSnapshot Take() =>
        new(Environment.ProcessorCount, ReadLoadAverage(), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);

    private static string? ReadLoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return fields.Length >= 3 ? string.Create(CultureInfo.InvariantCulture, $"{fields[0]} {fields[1]} {fields[2]}") : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
