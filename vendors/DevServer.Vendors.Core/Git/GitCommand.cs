using System.Text;
using DevServer.Processes;

namespace DevServer.Vendors.Core.Git;

/// <summary>What a git command printed and how it ended.</summary>
internal sealed record GitOutcome(int? ExitCode, string StandardOutput, string StandardError, string Output)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The end of what git said on both streams, for an error message.</summary>
    public string Tail(int maxCharacters = 2000)
    {
        var text = Output.Trim();
        return text.Length <= maxCharacters ? text : text[^maxCharacters..];
    }
}

/// <summary>Runs git non-interactively, with messages in English so they can be read back.</summary>
internal static class GitCommand
{
    private static readonly Dictionary<string, string> NonInteractive = new()
    {
        // Never wait for a password or a passphrase: a missing credential is a failure, not a hang.
        ["GIT_TERMINAL_PROMPT"] = "0",
        ["GIT_ASKPASS"] = "true",
        ["SSH_ASKPASS"] = "true",
        // Never open an editor (commit messages are always given; git am never needs one).
        ["GIT_EDITOR"] = "true",
        ["GIT_MERGE_AUTOEDIT"] = "no",
        ["LC_ALL"] = "C",
    };

    /// <summary>
    /// Runs <c>git</c> in <paramref name="directory"/>. A cancelled token stops git and throws
    /// <see cref="OperationCanceledException"/>; a failing git is an outcome, not an exception.
    /// </summary>
    public static async Task<GitOutcome> RunAsync(
        string directory,
        IReadOnlyList<string> arguments,
        Action<ProcessOutputLine>? log,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string>(NonInteractive);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        var standardOutput = new StringBuilder();
        var standardError = new StringBuilder();
        var output = new StringBuilder();
        var spec = new ProcessSpec("git", arguments) { WorkingDirectory = directory, Environment = variables };
        var exit = await ProcessRunner.RunAsync(
            spec,
            line =>
            {
                (line.IsStandardError ? standardError : standardOutput).Append(line.Text).Append('\n');
                output.Append(line.Text).Append('\n');
                log?.Invoke(line);
            },
            cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return new GitOutcome(exit.ExitCode, standardOutput.ToString(), standardError.ToString(), output.ToString());
    }

    /// <summary>Like <see cref="RunAsync"/>, for commands that are expected to succeed: a failure throws.</summary>
    public static async Task<GitOutcome> RunCheckedAsync(
        string directory,
        IReadOnlyList<string> arguments,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var outcome = await RunAsync(directory, arguments, null, cancellationToken, environment);
        return outcome.Succeeded
            ? outcome
            : throw new InvalidOperationException(
                $"git {string.Join(' ', arguments)} failed in {directory} (exit code {outcome.ExitCode}): {outcome.Tail()}");
    }
}
