namespace DevServer.Verifier.Sandbox;

/// <summary>
/// The git folders a worktree checkout uses outside itself: its <c>.git</c> file points at its private folder
/// (<c>&lt;cache&gt;/worktrees/&lt;id&gt;</c>: HEAD, index), whose <c>commondir</c> names the repository it shares with every
/// other worktree of the cache (objects, refs, configuration).
/// </summary>
/// <param name="Common">The repository: the clone cache.</param>
/// <param name="Private">The worktree's own folder.</param>
/// <param name="OtherWorktrees">The folder of every worktree's own folder, when <paramref name="Private"/> is in it.</param>
internal sealed record GitDirectories(string Common, string Private, string? OtherWorktrees)
{
    /// <summary>
    /// The folders of <paramref name="checkout"/>, or null when it is not a worktree or they are not inside
    /// <paramref name="caches"/>: the <c>.git</c> file is in the writable checkout, so an earlier stage could have
    /// rewritten it to point at any folder of the host, which the next stage would then see.
    /// </summary>
    public static GitDirectories? Of(string checkout, string caches)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(checkout, ".git"));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // No .git file (a folder, or none): the checkout holds its repository itself.
            return null;
        }

        const string Prefix = "gitdir:";
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var worktree = Path.GetFullPath(text[Prefix.Length..].Trim(), checkout);
        var common = worktree;
        try
        {
            common = Path.GetFullPath(File.ReadAllText(Path.Combine(worktree, "commondir")).Trim(), worktree);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Not a linked worktree's folder: it is the repository itself.
        }

        if (!StageSandbox.IsWithin(common, caches) || common == caches || !StageSandbox.IsWithin(worktree, common) || !Directory.Exists(common))
        {
            return null;
        }

        var worktrees = Path.Combine(common, "worktrees");
        return new GitDirectories(common, worktree, Path.GetDirectoryName(worktree) == worktrees ? worktrees : null);
    }
}
