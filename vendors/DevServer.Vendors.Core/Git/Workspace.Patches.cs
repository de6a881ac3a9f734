using System.Text;
using System.Text.RegularExpressions;

namespace DevServer.Vendors.Core.Git;

public sealed partial class Workspace
{
    /// <summary>
    /// Commits everything in the worktree (new, changed and deleted files) when anything changed, as
    /// <see cref="CommitterName"/> &lt;<see cref="CommitterEmail"/>&gt;, without touching the repository's
    /// configuration and without running hooks.
    /// </summary>
    /// <returns>The new commit, or null when there was nothing to commit.</returns>
    public async Task<string?> CommitAllAsync(string worktreePath, string message, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        var added = await GitCommand.RunAsync(worktreePath, ["add", "--all"], null, cancellationToken);
        if (!added.Succeeded && await GitlinksAsync(worktreePath, cancellationToken) is { Count: > 0 } gitlinks)
        {
            // git add looks inside a submodule whose recorded commit is checked out (for changes there) and fails when
            // git fails in it (a broken index, say). The superproject's own files are work all the same: they are added
            // without the gitlinks, and FindSubmoduleWorkAsync then names the submodule that git could not read.
            await GitCommand.RunCheckedAsync(
                worktreePath, ["add", "--all", "--", ".", .. gitlinks.Select(path => $":(exclude,literal){path}")], cancellationToken);
        }
        else if (!added.Succeeded)
        {
            throw new InvalidOperationException($"git add --all failed in {worktreePath} (exit code {added.ExitCode}): {added.Tail()}");
        }

        var staged = await GitCommand.RunAsync(worktreePath, ["diff", "--cached", "--quiet"], null, cancellationToken);
        if (staged.ExitCode == 0)
        {
            return null;
        }

        await GitCommand.RunCheckedAsync(
            worktreePath,
            [.. IdentityOptions(), "commit", "--quiet", "--no-verify", "--message", message],
            cancellationToken,
            IdentityVariables(author: true));
        return (await GitCommand.RunCheckedAsync(worktreePath, ["rev-parse", "HEAD"], cancellationToken)).StandardOutput.Trim();
    }

    /// <summary>
    /// The commits after <paramref name="baseCommit"/> as one mbox (<c>git format-patch --binary base..HEAD</c>), byte
    /// for byte: git writes it to a file, since a patch may hold any bytes and output is read as text lines.
    /// </summary>
    public async Task<PatchSeries> FormatPatchAsync(string worktreePath, string baseCommit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseCommit);
        var head = (await GitCommand.RunCheckedAsync(worktreePath, ["rev-parse", "HEAD"], cancellationToken)).StandardOutput.Trim();
        var file = TemporaryFile("series");
        try
        {
            // Settings of the user's format.* configuration that would change the series are switched off.
            await GitCommand.RunCheckedAsync(
                worktreePath,
                ["format-patch", "--binary", "--no-cover-letter", "--no-numbered", "--no-signature", $"--output={file}", $"{baseCommit}..HEAD"],
                cancellationToken);
            var mbox = File.Exists(file) ? await File.ReadAllBytesAsync(file, cancellationToken) : [];
            return new PatchSeries(mbox, PatchHeader().Count(Encoding.UTF8.GetString(mbox)), head);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Applies a patch series on the worktree's HEAD (<c>git am --3way</c>, carriage returns in the patches kept). When
    /// a patch does not apply, the application is aborted, which leaves HEAD, index and files as they were.
    /// </summary>
    public async Task<PatchApplication> ApplyPatchSeriesAsync(string worktreePath, ReadOnlyMemory<byte> mbox, CancellationToken cancellationToken)
    {
        if (mbox.IsEmpty)
        {
            var unchanged = await GitCommand.RunCheckedAsync(worktreePath, ["rev-parse", "HEAD"], cancellationToken);
            return new PatchApplication(true, unchanged.StandardOutput.Trim(), string.Empty);
        }

        // Outside the worktree, so the file never becomes part of it.
        var file = TemporaryFile("apply");
        try
        {
            await File.WriteAllBytesAsync(file, mbox, cancellationToken);
            var applied = await GitCommand.RunAsync(
                worktreePath,
                [.. IdentityOptions(), "am", "--3way", "--keep-cr", "--keep-non-patch", file],
                null,
                cancellationToken,
                IdentityVariables(author: false));
            if (!applied.Succeeded)
            {
                // The abort resets HEAD, which git refuses to do without a committer identity (a fresh container
                // has none): without it the worktree would be left mid-merge.
                await GitCommand.RunAsync(worktreePath, [.. IdentityOptions(), "am", "--abort"], null, CancellationToken.None, IdentityVariables(author: false));
            }

            var head = (await GitCommand.RunCheckedAsync(worktreePath, ["rev-parse", "HEAD"], cancellationToken)).StandardOutput.Trim();
            return new PatchApplication(applied.Succeeded, head, applied.Succeeded ? string.Empty : applied.Tail());
        }
        finally
        {
            File.Delete(file);
        }
    }

    // The paths of the index's gitlinks (submodules).
    private static async Task<List<string>> GitlinksAsync(string worktreePath, CancellationToken cancellationToken)
    {
        var staged = await GitCommand.RunAsync(worktreePath, ["ls-files", "--stage", "-z"], null, cancellationToken);
        return staged.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Where(record => record.StartsWith("160000 ", StringComparison.Ordinal) && record.Contains('\t', StringComparison.Ordinal))
            .Select(record => record[(record.IndexOf('\t', StringComparison.Ordinal) + 1)..])
            .ToList();
    }

    // -c rather than git config: the repository's configuration (shared by all worktrees of a cache) is never changed.
    private string[] IdentityOptions() =>
        ["-c", $"user.name={CommitterName}", "-c", $"user.email={CommitterEmail}", "-c", "commit.gpgsign=false"];

    // In git the environment overrides configuration, so inherited GIT_AUTHOR_*/GIT_COMMITTER_* are overridden too.
    // git am keeps each patch's author: only the committer is set there.
    private Dictionary<string, string> IdentityVariables(bool author)
    {
        var variables = new Dictionary<string, string>
        {
            ["GIT_COMMITTER_NAME"] = CommitterName,
            ["GIT_COMMITTER_EMAIL"] = CommitterEmail,
        };
        if (author)
        {
            variables["GIT_AUTHOR_NAME"] = CommitterName;
            variables["GIT_AUTHOR_EMAIL"] = CommitterEmail;
        }

        return variables;
    }

    // In the workspace, next to the worktrees but in none of them.
    private string TemporaryFile(string purpose)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Root, "tmp")).FullName;
        return Path.Combine(folder, $"{purpose}-{Guid.NewGuid():N}.mbox");
    }

    // The line that starts each patch of a format-patch mbox (the same one git mailsplit splits on).
    [GeneratedRegex("^From [0-9a-f]{40,64} Mon Sep 17 00:00:00 2001$", RegexOptions.Multiline)]
    private static partial Regex PatchHeader();
}
