using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using DevServer.Contracts.Work.V1;
using DevServer.DiskCleanup;
using DevServer.Processes;

namespace DevServer.Vendors.Core.Git;

/// <summary>
/// A worker's own git workspace: <c>&lt;root&gt;/cache/&lt;repository&gt;.git</c>, one bare clone cache per repository,
/// fetched before each use (and <c>cache/submodule-*.git</c>, one per submodule URL, see
/// <see cref="CheckOutSubmodulesAsync(string, Action{ProcessOutputLine}?, CancellationToken)"/>),
/// <c>&lt;root&gt;/worktrees/&lt;name&gt;</c>, worktrees of those caches with their submodules, and
/// <c>&lt;root&gt;/tmp</c> for patch files in transit. Code leaves and enters a workspace as patch series
/// (<see cref="FormatPatchAsync"/>, <see cref="ApplyPatchSeriesAsync"/>).
/// </summary>
/// <remarks>
/// The cache keeps the origin's branches under <c>refs/remotes/origin/*</c>, not <c>refs/heads/*</c>: work branches
/// live in the same ref store (worktrees share it), and a fetch into <c>refs/heads/*</c> would prune a work branch
/// checked out in another worktree, or refuse to run at all once the origin has a branch of that name.
/// Operations that change a cache (fetch, adding and pruning worktrees, creating work branches) are serialised per
/// cache, across all workspaces of the process.
/// </remarks>
public sealed partial class Workspace(string root)
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> CacheLocks = new(StringComparer.Ordinal);

    /// <summary>The workspace's folder.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The name commits made here carry (author and committer).</summary>
    public string CommitterName { get; init; } = "DevServer agent";

    /// <summary>The e-mail address commits made here carry.</summary>
    public string CommitterEmail { get; init; } = "agent@devserver.invalid";

    /// <summary>The folder a worktree of that name has (whether or not it exists).</summary>
    public string WorktreePath(string worktreeName) => Path.Combine(Root, "worktrees", CheckedName(worktreeName, nameof(worktreeName)));

    /// <summary>
    /// Prepares a fresh worktree: clones the repository into the cache the first time, fetches its branches, removes
    /// an earlier worktree of the same name, adds a detached worktree at the base and, when <paramref name="workBranch"/>
    /// is given, checks out that branch there (created or reset at the base); then checks out its submodules
    /// recursively at the recorded commits (see <see cref="CheckOutSubmodulesAsync(string, Action{ProcessOutputLine}?, CancellationToken)"/>).
    /// </summary>
    /// <param name="source">The repository (its name names the cache).</param>
    /// <param name="baseBranch">The branch to start from when <paramref name="baseCommit"/> is empty.</param>
    /// <param name="baseCommit">The exact commit to start from, or empty.</param>
    /// <param name="worktreeName">The worktree's folder name under <c>worktrees/</c>.</param>
    /// <param name="workBranch">A branch to create at the base in the worktree, or null to stay detached.</param>
    /// <param name="log">Gets git's output lines.</param>
    /// <param name="cancellationToken">Stops git; the method then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>
    /// A failed value for what a retry would not fix: an unreachable location, an unknown branch or commit, a submodule
    /// whose origin is unreachable or lacks the recorded commit (named with its path and URL).
    /// </returns>
    public Task<WorktreePreparation> PrepareWorktreeAsync(
        RepositorySource source,
        string baseBranch,
        string baseCommit,
        string worktreeName,
        string? workBranch,
        Action<ProcessOutputLine>? log,
        CancellationToken cancellationToken) =>
        PrepareWorktreeAsync(source, baseBranch, baseCommit, worktreeName, workBranch, checkOutSubmodules: true, log, cancellationToken);

    /// <summary>
    /// Prepares a fresh worktree as <see cref="PrepareWorktreeAsync(RepositorySource, string, string, string, string?, Action{ProcessOutputLine}?, CancellationToken)"/>
    /// does, with or without its submodules.
    /// </summary>
    /// <param name="source">The repository (its name names the cache).</param>
    /// <param name="baseBranch">The branch to start from when <paramref name="baseCommit"/> is empty.</param>
    /// <param name="baseCommit">The exact commit to start from, or empty.</param>
    /// <param name="worktreeName">The worktree's folder name under <c>worktrees/</c>.</param>
    /// <param name="workBranch">A branch to create at the base in the worktree, or null to stay detached.</param>
    /// <param name="checkOutSubmodules">
    /// False to leave the submodules' folders empty: for a caller that applies a patch series first and then calls
    /// <see cref="CheckOutSubmodulesAsync(string, Action{ProcessOutputLine}?, CancellationToken)"/> once. Submodules checked
    /// out before <c>git am</c> are in its way: a series that replaces a submodule with ordinary files would meet the
    /// clone's files ("untracked working tree file would be overwritten"), and one that removes a submodule would leave
    /// its clone behind as untracked files.
    /// </param>
    /// <param name="log">Gets git's output lines.</param>
    /// <param name="cancellationToken">Stops git; the method then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>
    /// A failed value for what a retry would not fix: an unreachable location, an unknown branch or commit, a submodule
    /// whose origin is unreachable or lacks the recorded commit (named with its path and URL).
    /// </returns>
    public async Task<WorktreePreparation> PrepareWorktreeAsync(
        RepositorySource source,
        string baseBranch,
        string baseCommit,
        string worktreeName,
        string? workBranch,
        bool checkOutSubmodules,
        Action<ProcessOutputLine>? log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var worktree = WorktreePath(worktreeName);
        var cache = Path.Combine(Root, "cache", $"{CacheName(source.Name)}.git");
        var cacheLock = CacheLock(cache);
        string commit;
        await cacheLock.WaitAsync(cancellationToken);
        try
        {
            var fetched = await FetchAsync(source, cache, log, cancellationToken);
            if (fetched is not null)
            {
                return WorktreePreparation.Failed(worktree, fetched);
            }

            if (!string.IsNullOrEmpty(baseCommit) && !CommitHash().IsMatch(baseCommit))
            {
                return WorktreePreparation.Failed(worktree, $"'{baseCommit}' is not a commit hash.");
            }

            var target = string.IsNullOrEmpty(baseCommit) ? $"refs/remotes/origin/{baseBranch}" : baseCommit;
            var resolved = await GitCommand.RunAsync(cache, ["rev-parse", "--verify", "--quiet", $"{target}^{{commit}}"], null, cancellationToken);
            if (!resolved.Succeeded)
            {
                return WorktreePreparation.Failed(
                    worktree,
                    string.IsNullOrEmpty(baseCommit)
                        ? $"The repository {source.Location} has no branch '{baseBranch}'."
                        : $"The repository {source.Location} has no commit '{baseCommit}'.");
            }

            commit = resolved.StandardOutput.Trim();
            await RemoveWorktreeFolderAsync(worktree, cache, cancellationToken);
            Directory.CreateDirectory(Path.GetDirectoryName(worktree)!);
            var added = await GitCommand.RunAsync(cache, ["worktree", "add", "--detach", worktree, commit], log, cancellationToken);
            if (!added.Succeeded)
            {
                return WorktreePreparation.Failed(worktree, $"git worktree add failed: {added.Tail()}");
            }

            if (!string.IsNullOrEmpty(workBranch))
            {
                // --ignore-other-worktrees: an earlier attempt's worktree may still have the branch checked out; it is
                // finished, and the new attempt must start at the base rather than fail.
                var branched = await GitCommand.RunAsync(
                    worktree, ["checkout", "--quiet", "--ignore-other-worktrees", "-B", workBranch], log, cancellationToken);
                if (!branched.Succeeded)
                {
                    return WorktreePreparation.Failed(worktree, $"Cannot create the work branch '{workBranch}': {branched.Tail()}");
                }
            }
        }
        finally
        {
            cacheLock.Release();
        }

        // Outside the repository cache's lock: submodules have caches (and locks) of their own, and the worktree is
        // this caller's alone by now. Relative submodule URLs resolve against the repository's location.
        var submodules = checkOutSubmodules && HasGitmodules(worktree)
            ? await CheckOutSubmodulesAsync(worktree, source.Location, IsLocalLocation(source.Location), string.Empty, null, Masked(log), cancellationToken)
            : null;
        return submodules is null
            ? new WorktreePreparation(true, worktree, commit, string.Empty)
            : WorktreePreparation.Failed(worktree, MaskCredentials(submodules));
    }

    /// <summary>Removes a worktree (its folder and its registration in its cache); nothing happens when there is none.</summary>
    public Task RemoveWorktreeAsync(string worktreeName, CancellationToken cancellationToken) =>
        RemoveWorktreeFolderAsync(WorktreePath(worktreeName), null, cancellationToken);

    // Null when the cache is up to date, else the error. The cache is created with init + remote add rather than
    // clone so that the origin's branches land in refs/remotes/origin/* from the first fetch on (see the remarks).
    private static async Task<string?> FetchAsync(RepositorySource source, string cache, Action<ProcessOutputLine>? log, CancellationToken cancellationToken)
    {
        var created = false;
        if (!File.Exists(Path.Combine(cache, "HEAD")))
        {
            Folders.Delete(cache);
            Directory.CreateDirectory(cache);
            await GitCommand.RunCheckedAsync(cache, ["init", "--quiet", "--bare"], cancellationToken);
            await GitCommand.RunCheckedAsync(cache, ["remote", "add", "--", "origin", source.Location], cancellationToken);
            created = true;
        }
        else
        {
            // The repository may have moved since the cache was made.
            await GitCommand.RunCheckedAsync(cache, ["remote", "set-url", "--", "origin", source.Location], cancellationToken);
        }

        var fetched = await GitCommand.RunAsync(
            cache, ["fetch", "--prune", "--no-tags", "origin", "+refs/heads/*:refs/remotes/origin/*"], log, cancellationToken);
        if (fetched.Succeeded)
        {
            return null;
        }

        if (created)
        {
            // A cache that never fetched is no cache: the next attempt starts clean.
            Folders.Delete(cache);
        }

        return $"Cannot fetch {source.Location}: {fetched.Tail()}";
    }

    // knownCache: the cache the caller is about to add the worktree to, pruned too: a registration whose .git file could
    // not be read (see ReadRegistration) would otherwise stay, and git worktree add refuses a path registered but missing.
    private static async Task RemoveWorktreeFolderAsync(string worktree, string? knownCache, CancellationToken cancellationToken)
    {
        // A worktree's .git file names its registration inside its cache: <cache>/worktrees/<id>.
        var cache = ReadOwningCache(worktree) ?? knownCache;
        Folders.Delete(worktree);
        if (cache is not null && Directory.Exists(cache))
        {
            // No cache lock needed (and the caller may hold it): prune forgets only worktrees whose folder is gone,
            // and git marks a worktree that is still being added so that prune leaves it alone.
            await GitCommand.RunAsync(cache, ["worktree", "prune"], null, cancellationToken);
        }
    }

    private static string? ReadOwningCache(string worktree) =>
        ReadRegistration(worktree) is { } registration ? Path.GetDirectoryName(Path.GetDirectoryName(registration)) : null;

    // The worktree's registration inside its cache (<cache>/worktrees/<id>), as its .git file names it; null when the
    // folder is no worktree (or a broken one). The worktree is not trusted: a stage may have replaced its .git file.
    private static string? ReadRegistration(string worktree)
    {
        const string Prefix = "gitdir: ";
        var line = (UntrustedFile.ReadSmall(Path.Combine(worktree, ".git")) ?? "").Split('\n', 2)[0];
        var gitDirectory = line.StartsWith(Prefix, StringComparison.Ordinal) ? line[Prefix.Length..].Trim() : "";
        return gitDirectory.Length > 0 && !gitDirectory.Contains('\0', StringComparison.Ordinal) ? Path.GetFullPath(gitDirectory, worktree) : null;
    }

    // Repository names may hold characters a folder name should not ('/', spaces); the cache keeps a readable form.
    private static string CacheName(string repositoryName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repositoryName);
        var safe = string.Concat(repositoryName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return safe.Trim('.') is { Length: > 0 } trimmed ? trimmed : "_";
    }

    // A full or abbreviated hash; anything else (an option, a ref name) is not what the contract carries.
    [GeneratedRegex("^[0-9a-fA-F]{4,64}$")]
    private static partial Regex CommitHash();

    private static string CheckedName(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, parameter);
        return name is "." or ".." || name.IndexOfAny(['/', '\\', '\0']) >= 0
            ? throw new ArgumentException($"'{name}' is not a plain folder name.", parameter)
            : name;
    }
}
