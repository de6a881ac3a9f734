namespace DevServer.Vendors.Core.Git;

/// <summary>A prepared worktree, or why it could not be prepared (an expected outcome, not an exception).</summary>
/// <param name="Succeeded">True when the worktree is ready at <paramref name="BaseCommit"/>.</param>
/// <param name="Path">The worktree's folder.</param>
/// <param name="BaseCommit">The commit it starts from (full hash); empty on failure.</param>
/// <param name="Error">On failure: what went wrong, with the tail of git's output; empty on success.</param>
public sealed record WorktreePreparation(bool Succeeded, string Path, string BaseCommit, string Error)
{
    internal static WorktreePreparation Failed(string path, string error) => new(false, path, string.Empty, error);
}

/// <summary>Commits as an mbox produced by <c>git format-patch</c>, ready for <c>git am</c>.</summary>
/// <param name="Mbox">The patches; empty when there were no commits after the base.</param>
/// <param name="CommitCount">Patches in <paramref name="Mbox"/>.</param>
/// <param name="HeadCommit">The worktree's HEAD the series ends at.</param>
public sealed record PatchSeries(byte[] Mbox, int CommitCount, string HeadCommit);

/// <summary>The result of applying a patch series (an expected outcome, not an exception).</summary>
/// <param name="Succeeded">True when every patch applied.</param>
/// <param name="HeadCommit">HEAD afterwards: the last applied patch on success, the unchanged HEAD on failure.</param>
/// <param name="Error">On failure: the tail of git's output; empty on success.</param>
public sealed record PatchApplication(bool Succeeded, string HeadCommit, string Error);

/// <summary>Submodules checked out, or why not (an expected outcome, not an exception).</summary>
/// <param name="Succeeded">True when every submodule is at the commit its parent records.</param>
/// <param name="Error">On failure: which submodule (name, path, URL) and why, with the tail of git's output.</param>
public sealed record SubmoduleCheckout(bool Succeeded, string Error)
{
    internal static SubmoduleCheckout Done { get; } = new(true, string.Empty);

    internal static SubmoduleCheckout Failed(string error) => new(false, error);
}

/// <summary>Work found inside a worktree's submodules (see <see cref="Workspace.FindSubmoduleWorkAsync(string, CancellationToken)"/>).</summary>
/// <param name="Undeliverable">
/// One line per submodule whose work a patch series of the superproject cannot carry (changed tracked files, commits its
/// origin lacks or that cannot be checked, a submodule that cannot be inspected): the attempt must not pass as done.
/// </param>
/// <param name="Untracked">
/// One line per submodule with untracked files (build output it does not ignore, say): left out of the work, worth a note
/// but no failure.
/// </param>
public sealed record SubmoduleWork(IReadOnlyList<string> Undeliverable, IReadOnlyList<string> Untracked)
{
    internal static SubmoduleWork None { get; } = new([], []);
}
