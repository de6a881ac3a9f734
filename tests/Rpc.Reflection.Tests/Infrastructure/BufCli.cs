using System.Diagnostics;
using System.Reflection;

namespace Rpc.Reflection.Tests.Infrastructure;

/// <summary>What a finished buf run printed.</summary>
internal sealed record BufResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() =>
        $"{CommandLine}\nexit code {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>
/// Runs the buf CLI that tests/Interop/node installs (npm @bufbuild/buf): a real reflection client written by
/// someone else. This project's one process runner: every run is bounded and its tree killed on timeout.
/// </summary>
internal static class BufCli
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private static readonly Lazy<string> LazyRepositoryRoot = new(FindRepositoryRoot);

    public static string Executable
    {
        get
        {
            var node = Path.Combine(LazyRepositoryRoot.Value, "tests", "Interop", "node");
            var buf = Path.Combine(node, "node_modules", ".bin", OperatingSystem.IsWindows() ? "buf.cmd" : "buf");
            return File.Exists(buf)
                ? buf
                : throw new InvalidOperationException($"{buf} is missing: run `npm ci` in {node}.");
        }
    }

    public static async Task<BufResult> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = startInfo };
        var commandLine = string.Join(' ', [startInfo.FileName, .. arguments]);
#pragma warning disable RS0030 // Banned API: this is the project's one process runner.
        process.Start();
#pragma warning restore RS0030
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(RunTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{commandLine} did not finish within {RunTimeout.TotalSeconds} s.");
        }

        return new BufResult(commandLine, process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Walks up from the test output to DevServer.sln, else the root recorded at build time.</summary>
    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DevServer.sln")))
            {
                return directory.FullName;
            }
        }

        var recorded = typeof(BufCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "RepositoryRoot")?.Value;
        return recorded is not null && File.Exists(Path.Combine(recorded, "DevServer.sln"))
            ? recorded
            : throw new InvalidOperationException($"No DevServer.sln above {AppContext.BaseDirectory} nor at {recorded}.");
    }
}
