using DevServer.Vendors.Core.Git;

namespace DevServer.Verifier.Sandbox;

/// <summary>
/// The git folders a worktree checkout uses outside itself: its <c>.git</c> file points at its private folder
/// (<c>&lt;cache&gt;/worktrees/&lt;id&gt;</c>: HEAD, index), inside the repository it shares with every other worktree of
/// the cache (objects, refs, configuration).
/// </summary>
/// <param name="Common">The repository: the clone cache.</param>
/// <param name="Private">The worktree's own folder.</param>
/// <param name="Worktrees">The folder of every worktree's own folder, <paramref name="Private"/>'s parent.</param>
internal sealed record GitDirectories(string Common, string Private, string Worktrees)
{
    /// <summary>
    /// The folders of <paramref name="checkout"/>, or null when it is not a worktree of a repository inside
    /// <paramref name="caches"/>. The <c>.git</c> file is in the writable checkout, so an earlier stage could have
    /// rewritten it: to point at any folder of the host (refused: outside the caches), at another repository's cache or
    /// another checkout's private folder (refused: the private folder's <c>gitdir</c>, which git keeps in the read-only
    /// cache, must name this checkout's <c>.git</c>), or turned it into something that would hang or exhaust the verifier
    /// when read (refused: see <see cref="UntrustedFile"/>).
    /// </summary>
    public static GitDirectories? Of(string checkout, string caches)
    {
        const string Prefix = "gitdir:";
        var dotGit = Path.Combine(checkout, ".git");
        // No .git file (a folder, or none): the checkout holds its repository itself.
        if (UntrustedFile.ReadSmall(dotGit) is not { } text || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        // Only a linked worktree's folder, <common>/worktrees/<id>: a .git file naming a repository itself would lend the
        // stage that whole repository, whichever it is.
        var worktree = Path.TrimEndingDirectorySeparator(Path.GetFullPath(text[Prefix.Length..].Trim(), checkout));
        var worktrees = Path.GetDirectoryName(worktree);
        var common = worktrees is null ? null : Path.GetDirectoryName(worktrees);
        if (worktrees is null || common is null || Path.GetFileName(worktrees) != "worktrees")
        {
            return null;
        }

        var cachesResolved = StageSandbox.Resolved(caches);
        var commonResolved = StageSandbox.Resolved(common);
        if (!StageSandbox.IsWithin(commonResolved, cachesResolved) || commonResolved == cachesResolved || !Directory.Exists(common))
        {
            return null;
        }

        // git's back-pointer from the registration to the checkout: only this checkout's own registration is lent.
        if (UntrustedFile.ReadSmall(Path.Combine(worktree, "gitdir")) is not { } back
            || StageSandbox.Resolved(Path.GetFullPath(back.Trim(), worktree)) != StageSandbox.Resolved(dotGit))
        {
            return null;
        }

        return new GitDirectories(common, worktree, worktrees);
    }
}
