using DevServer.Processes;

namespace DevServer.RepoInsight;

/// <summary>The few git questions the map asks, through the one process runner. Null answers mean "not a git work tree" (or no git).</summary>
internal static class GitTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Tracked and untracked-but-not-ignored files, relative to <paramref name="root"/>; null when it is not a work tree.</summary>
    public static async Task<IReadOnlyList<string>?> ListFilesAsync(string root, CancellationToken cancellationToken)
    {
        var files = new List<string>();
        var exit = await RunAsync(root, ["-c", "core.quotePath=off", "ls-files", "--cached", "--others", "--exclude-standard", "--deduplicate"], line =>
        {
            // A name git had to quote (a newline or a quote in it) is left out rather than guessed at.
            if (line.Length > 0 && line[0] != '"')
            {
                files.Add(line);
            }
        }, cancellationToken);
        return exit == 0 ? files : null;
    }

    /// <summary>HEAD's commit, and whether the work tree has changes (tracked or untracked, ignored ones aside); null outside a work tree or before the first commit.</summary>
    public static async Task<(string Commit, bool Dirty)?> StateAsync(string root, CancellationToken cancellationToken)
    {
        string? commit = null;
        if (await RunAsync(root, ["rev-parse", "--verify", "HEAD"], line => commit ??= line.Trim(), cancellationToken) != 0 || commit is null)
        {
            return null;
        }

        var dirty = false;
        var status = await RunAsync(root, ["status", "--porcelain", "--untracked-files=normal"], line => dirty |= line.Length > 0, cancellationToken);
        return status == 0 ? (commit, dirty) : null;
    }

    private static async Task<int?> RunAsync(string root, IReadOnlyList<string> arguments, Action<string> onLine, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var exit = await ProcessRunner.RunAsync(
                new ProcessSpec("git", arguments) { WorkingDirectory = root, Environment = new Dictionary<string, string> { ["GIT_OPTIONAL_LOCKS"] = "0" } },
                line =>
                {
                    if (!line.IsStandardError)
                    {
                        onLine(line.Text);
                    }
                },
                timeout.Token);
            cancellationToken.ThrowIfCancellationRequested();
            return exit.Cancelled ? null : exit.ExitCode;
        }
        catch (FileNotFoundException)
        {
            return null; // no git on this machine: the walk with our own matcher takes over
        }
    }
}
