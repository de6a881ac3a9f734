namespace DevServer.Delivery.Git;

/// <summary>How a git delivery ended. Expected outcomes are values; only bugs and cancellation throw.</summary>
public enum GitDeliveryStatus
{
    /// <summary>The ref now points at <see cref="GitDeliveryOutcome.Commit"/>, pushed by this call.</summary>
    Delivered,

    /// <summary>The ref already held exactly this work (a repeated delivery); nothing was pushed.</summary>
    Unchanged,

    /// <summary>The series is empty, or adds nothing the target does not already have.</summary>
    NothingToDeliver,

    /// <summary>The series does not apply on its base commit.</summary>
    ApplyFailed,

    /// <summary>Rebasing onto the latest default branch conflicts; see <see cref="GitDeliveryOutcome.ConflictingFiles"/>.</summary>
    Conflict,

    /// <summary>The target refused the update (a non-fast-forward race that persisted, a stale lease, a checked-out branch).</summary>
    Rejected,

    /// <summary>Fetching or pushing failed (network, authentication, unknown repository or commit).</summary>
    Failed,
}

/// <summary>The result of a git delivery flow.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Ref">The ref delivered to (<c>refs/heads/…</c>).</param>
/// <param name="Commit">The commit the ref points at afterwards (empty when nothing was delivered).</param>
/// <param name="ConflictingFiles">For <see cref="GitDeliveryStatus.Conflict"/>: the paths in conflict, sorted.</param>
/// <param name="Message">A human-readable reason (git's scrubbed output on failure); never holds a credential.</param>
/// <param name="Retryable">True when the same call may succeed later (network trouble, a race).</param>
public sealed record GitDeliveryOutcome(
    GitDeliveryStatus Status,
    string Ref,
    string Commit,
    IReadOnlyList<string> ConflictingFiles,
    string Message,
    bool Retryable = false)
{
    public bool Succeeded => Status is GitDeliveryStatus.Delivered or GitDeliveryStatus.Unchanged;

    internal static GitDeliveryOutcome Of(GitDeliveryStatus status, string refName, string commit, string message, bool retryable = false) =>
        new(status, refName, commit, [], message, retryable);
}

/// <summary>Lines added and removed in one file; a binary file has <c>Binary</c> set and no line counts.</summary>
public sealed record FileStatistics(string Path, int Insertions, int Deletions, bool Binary);

/// <summary>The diff statistics of a series against its base.</summary>
public sealed record DiffStatistics(IReadOnlyList<FileStatistics> Files)
{
    public int FilesChanged => Files.Count;

    public int Insertions => Files.Sum(f => f.Insertions);

    public int Deletions => Files.Sum(f => f.Deletions);

    public override string ToString() => $"{FilesChanged} files changed, {Insertions} insertions(+), {Deletions} deletions(-)";
}

/// <summary>One patch file of an export (<c>0001-subject.patch</c>).</summary>
public sealed record PatchFile(string Name, byte[] Content);

/// <summary>
/// A patch-only delivery: the series as files, as one mbox for <c>git am</c>, its statistics, the commit subjects in
/// order, and the commit the series ends at when applied on its base here.
/// </summary>
public sealed record PatchExport(
    GitDeliveryOutcome Outcome,
    IReadOnlyList<PatchFile> Patches,
    byte[] CombinedMbox,
    DiffStatistics Statistics,
    IReadOnlyList<string> Subjects,
    string HeadCommit);
