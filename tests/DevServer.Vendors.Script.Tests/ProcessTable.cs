using System.Diagnostics;

namespace DevServer.Vendors.Script.Tests;

/// <summary>Whether a process still runs, read from /proc (a zombie waiting to be reaped counts as gone).</summary>
internal static class ProcessTable
{
    public static async Task WaitUntilGoneAsync(int pid)
    {
        var started = Stopwatch.GetTimestamp();
        while (IsAlive(pid))
        {
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(10))
            {
                Assert.Fail($"Process {pid} still runs: {await File.ReadAllTextAsync($"/proc/{pid}/stat", TestContext.Current.CancellationToken)}");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The state follows the command name in parentheses, which may itself contain spaces or parentheses.
            var state = stat[stat.LastIndexOf(')') + 2];
            return state is not ('Z' or 'X');
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }
}
