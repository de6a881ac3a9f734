using System.Diagnostics;

namespace DevServer.Processes;

/// <summary>
/// The command prefix that starts a child with the default handling of the stop signals. A signal ignored when a
/// program starts stays ignored in everything it starts, and a shell cannot even trap it: a worker launched in the
/// background of a non-interactive shell (or by a supervisor that ignores SIGINT) would hand that on, and its children
/// could never be stopped gently, only killed after the grace period. GNU coreutils' <c>env --default-signal</c>
/// (8.31 or later) undoes it; where <c>env</c> lacks the option, children start as they did before, with the
/// worker's own signal handling.
/// </summary>
internal static class SignalReset
{
    private const string Option = "--default-signal=INT,TERM";

    private static readonly Lazy<string[]> ForThisMachine =
        new(() => Probe(Environment.GetEnvironmentVariable("PATH")), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The arguments to put in front of a child's command line; empty when this machine's env cannot do it.</summary>
    public static IReadOnlyList<string> Prefix => ForThisMachine.Value;

    /// <summary>Asks the <c>env</c> found in <paramref name="searchPath"/> to run <c>true</c> with the option (once per process).</summary>
    internal static string[] Probe(string? searchPath)
    {
        string env;
        try
        {
            env = ProgramLocator.Locate("env", searchPath);
        }
        catch (FileNotFoundException)
        {
            return [];
        }

        var startInfo = new ProcessStartInfo(env)
        {
            ArgumentList = { Option, "true" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
#pragma warning disable RS0030 // Banned API: part of the process runner, the one place that starts processes.
        using var probe = Process.Start(startInfo);
#pragma warning restore RS0030
        if (probe is null)
        {
            return [];
        }

        probe.StandardOutput.ReadToEnd();
        probe.StandardError.ReadToEnd();
        probe.WaitForExit();
        return probe.ExitCode == 0 ? [env, Option] : [];
    }
}
