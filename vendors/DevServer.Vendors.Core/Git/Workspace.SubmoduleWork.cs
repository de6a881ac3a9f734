namespace DevServer.Vendors.Core.Git;

// What an agent left inside the submodules of its worktree (the checkout is in Workspace.Submodules.cs).
public sealed partial class Workspace
{
    /// <summary>
    /// Work inside the worktree's submodules that a patch series of the worktree cannot carry: changes to a submodule's
    /// tracked files (staged or not), and a submodule whose HEAD is a commit its origin does not have (commits made inside
    /// it) or that cannot be checked against an unreachable origin; also untracked files inside a submodule (build output
    /// it does not ignore), which are only worth a note. A submodule moved to a commit its origin has (a dependency update)
    /// is fine: the series records the move. Nested submodules are checked too. No git process runs when the worktree has
    /// no <c>.gitmodules</c>. A submodule that cannot be inspected (git fails in it) is a finding, never an exception.
    /// </summary>
    /// <returns>One line per submodule and kind of work, naming its path and origin; empty lists when there is none.</returns>
    public async Task<SubmoduleWork> FindSubmoduleWorkAsync(string worktreePath, CancellationToken cancellationToken)
    {
        if (!HasGitmodules(worktreePath) || await OriginUrlAsync(worktreePath, cancellationToken) is not { } origin)
        {
            return SubmoduleWork.None;
        }

        var undeliverable = new List<string>();
        var untracked = new List<string>();
        await FindSubmoduleWorkAsync(worktreePath, origin, IsLocalLocation(origin), string.Empty, undeliverable, untracked, cancellationToken);
        return new SubmoduleWork([.. undeliverable.Select(MaskCredentials)], [.. untracked.Select(MaskCredentials)]);
    }

    private async Task FindSubmoduleWorkAsync(
        string directory,
        string url,
        bool relativeMayBeLocal,
        string prefix,
        List<string> undeliverable,
        List<string> untracked,
        CancellationToken cancellationToken)
    {
        if (!HasGitmodules(directory))
        {
            return;
        }

        var (submodules, unreadable) = await ReadSubmodulesAsync(directory, url, cancellationToken);
        if (unreadable is not null)
        {
            undeliverable.Add(
                $"The submodules of {(prefix.Length == 0 ? "the worktree" : prefix.TrimEnd('/'))} cannot be read, so work inside them cannot be checked: {unreadable}");
            return;
        }

        foreach (var submodule in submodules)
        {
            var folder = Path.Combine(directory, submodule.Path);
            if (submodule.Url is null || await HeadOfAsync(folder, cancellationToken) is not { } head)
            {
                // Not checked out: nothing in it can be work.
                continue;
            }

            var described = $"Submodule '{submodule.Name}' (path {prefix + submodule.Path}, origin {submodule.Url})";
            var fileAllowed = relativeMayBeLocal && submodule.Relative;
            try
            {
                await InspectSubmoduleAsync(submodule.Url, folder, head, described, fileAllowed, undeliverable, untracked, cancellationToken);
            }
            catch (Exception exception) when (exception is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // Git or the file system failed in a folder the agent owned: work may be in it, so say so rather than lose
                // the whole attempt's work to an exception.
                undeliverable.Add($"{described} cannot be inspected: {exception.Message}");
            }

            await FindSubmoduleWorkAsync(folder, submodule.Url, fileAllowed, prefix + submodule.Path + "/", undeliverable, untracked, cancellationToken);
        }
    }

    private async Task InspectSubmoduleAsync(
        string url,
        string folder,
        string head,
        string described,
        bool fileAllowed,
        List<string> undeliverable,
        List<string> untracked,
        CancellationToken cancellationToken)
    {
        // A nested submodule's own changes are its own line; a nested submodule moved is a change of this one.
        var status = await GitCommand.RunAsync(folder, ["status", "--porcelain", "--ignore-submodules=dirty"], null, cancellationToken);
        if (!status.Succeeded)
        {
            undeliverable.Add($"{described} cannot be inspected: git status failed: {status.Tail(500)}");
        }
        else
        {
            var changed = status.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var (newFiles, tracked) = (changed.Where(line => line.StartsWith("?? ", StringComparison.Ordinal)).ToList(),
                changed.Where(line => !line.StartsWith("?? ", StringComparison.Ordinal)).ToList());
            if (tracked.Count > 0)
            {
                undeliverable.Add($"{described} has uncommitted changes ({FileList(tracked)}).");
            }

            if (newFiles.Count > 0)
            {
                untracked.Add($"{described} has untracked files, left out of the work ({FileList(newFiles)}).");
            }
        }

        var cache = Path.Combine(Root, CacheFolder, SubmoduleCacheName(url));
        var cacheLock = CacheLock(cache);
        await cacheLock.WaitAsync(cancellationToken);
        FetchFailure? missing;
        try
        {
            missing = await FetchCommitAsync(cache, url, head, fileAllowed, null, cancellationToken);
        }
        finally
        {
            cacheLock.Release();
        }

        if (missing is not null)
        {
            undeliverable.Add(missing.OriginReached
                ? $"{described} is at {head}, which its origin does not have (commits made inside the submodule): {missing.Reason}"
                : $"{described} is at {head}, which could not be checked because its origin cannot be fetched (whether the commit was made inside the submodule is unknown): {missing.Reason}");
        }

        static string FileList(List<string> lines) =>
            string.Join(", ", lines.Take(5).Select(line => line.Length > 3 ? line[3..] : line)) + (lines.Count > 5 ? ", …" : "");
    }
}
