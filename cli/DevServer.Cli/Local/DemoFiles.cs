using System.Globalization;
using DevServer.Processes;

namespace DevServer.Cli.Local;

/// <summary>
/// The demo's files, embedded in the CLI: a sample Python project that lacks <c>calc.multiply</c> (with its tests and
/// linter) and a deterministic agent script that implements it.
/// </summary>
internal static class DemoFiles
{
    private const string RepositoryPrefix = "Demo/repo/";
    private const string AgentResource = "Demo/agent/demo-agent.py";

    /// <summary>The sample's check commands: real tools that need nothing beyond python3.</summary>
    public const string BuildCommand = "python3 -m py_compile calc.py";
    public const string TestCommand = "python3 -m unittest -v";
    public const string LintCommand = "python3 -m tabnanny . && python3 -B tools/lint.py";

    /// <summary>Writes the demo agent to <paramref name="directory"/> and returns the command that runs it.</summary>
    public static async Task<string> WriteAgentAsync(string directory, CancellationToken cancellationToken)
    {
        LocalSystem.CreatePrivateDirectory(directory);
        var path = Path.Combine(directory, "demo-agent.py");
        await WriteResourceAsync(AgentResource, path, cancellationToken);
        return "python3 " + ShellQuote(path);
    }

    /// <summary>
    /// Creates the sample project as a git repository with one commit on <c>main</c> in <paramref name="directory"/>
    /// (which must not exist yet), and returns its absolute path.
    /// </summary>
    public static async Task<string> CreateRepositoryAsync(string directory, CancellationToken cancellationToken)
    {
        directory = Path.GetFullPath(directory);
        if (Directory.Exists(directory))
        {
            throw new CliException(ExitCodes.Failure, $"cannot create the sample repository: {directory} already exists");
        }

        Directory.CreateDirectory(directory);
        foreach (var resource in typeof(DemoFiles).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(RepositoryPrefix, StringComparison.Ordinal)))
        {
            var relative = resource[RepositoryPrefix.Length..];
            // Stored without its dot so that it does not act on the CLI's own source tree.
            relative = relative == "gitignore" ? ".gitignore" : relative;
            var path = Path.Combine(directory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await WriteResourceAsync(resource, path, cancellationToken);
        }

        await GitAsync(directory, ["init", "--quiet", "--initial-branch=main"], cancellationToken);
        await GitAsync(directory, ["add", "--all"], cancellationToken);
        await GitAsync(
            directory,
            ["-c", "user.name=DevServer demo", "-c", "user.email=demo@devserver.invalid", "commit", "--quiet", "--message", "calc: add and subtract"],
            cancellationToken);
        return directory;
    }

    /// <summary>Quotes a word for /bin/sh when it needs it.</summary>
    public static string ShellQuote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or ':' or '=')
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static async Task WriteResourceAsync(string resource, string path, CancellationToken cancellationToken)
    {
        await using var source = typeof(DemoFiles).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The CLI was built without its resource {resource}.");
        await using var target = File.Create(path);
        await source.CopyToAsync(target, cancellationToken);
    }

    private static async Task GitAsync(string directory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.CaptureAsync(new ProcessSpec("git", arguments) { WorkingDirectory = directory }, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (result.ExitCode != 0)
        {
            throw new CliException(
                ExitCodes.Failure,
                string.Create(CultureInfo.InvariantCulture, $"git {string.Join(' ', arguments)} failed in {directory} (exit {result.ExitCode}): {result.StandardError.Trim()}"));
        }
    }
}
