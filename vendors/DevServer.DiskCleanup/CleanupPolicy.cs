namespace DevServer.DiskCleanup;

/// <summary>Something on disk the cleanup may remove: a folder or a file, when it was last used and what it takes.</summary>
/// <param name="Path">Its full path.</param>
/// <param name="LastUsed">When it was last used (the owner decides what counts as use: a fetch, a commit, a write).</param>
/// <param name="Bytes">The disk it takes, as <see cref="DiskUsage.Bytes"/> measures it.</param>
public sealed record CleanupCandidate(string Path, DateTimeOffset LastUsed, long Bytes);

/// <summary>The limits a cleanup enforces.</summary>
/// <param name="MaxAge">Anything unused for at least this long goes.</param>
/// <param name="MaxBytes">While the candidates together take more, the least recently used go first.</param>
public sealed record CleanupLimits(TimeSpan MaxAge, long MaxBytes)
{
    /// <summary>Limits without a disk cap.</summary>
    public static CleanupLimits AgeOnly(TimeSpan maxAge) => new(maxAge, long.MaxValue);
}

/// <summary>Why a candidate was removed.</summary>
public enum CleanupReason
{
    /// <summary>Unused for at least the age limit.</summary>
    Expired,

    /// <summary>The least recently used while the total was over the disk cap.</summary>
    OverCap,
}

/// <summary>One removed candidate and why.</summary>
public sealed record CleanupRemoval(CleanupCandidate Candidate, CleanupReason Reason);

/// <summary>What one application of the policy removed, and the candidates' total size before and after.</summary>
public sealed record CleanupResult(IReadOnlyList<CleanupRemoval> Removed, long BytesBefore, long BytesAfter)
{
    public long BytesFreed => BytesBefore - BytesAfter;
}

/// <summary>
/// The selection: oldest first, every candidate unused for at least <see cref="CleanupLimits.MaxAge"/>, then, while the
/// total is over <see cref="CleanupLimits.MaxBytes"/>, the next least recently used. The owner removes each one (or
/// refuses, when it is in use: it then stays and still counts, and the next one is tried).
/// </summary>
public static class CleanupPolicy
{
    /// <param name="candidates">
    /// Everything that counts towards the cap. Among equal last-use times the given order holds, so an owner lists
    /// what depends on something (a worktree) before what it depends on (its clone cache).
    /// </param>
    /// <param name="limits">Age limit and disk cap.</param>
    /// <param name="now">The time ages are measured against.</param>
    /// <param name="tryRemove">Removes the candidate and returns true, or returns false when it is in use.</param>
    /// <param name="cancellationToken">Checked before each removal; a cancelled cleanup throws <see cref="OperationCanceledException"/>.</param>
    public static async Task<CleanupResult> ApplyAsync(
        IEnumerable<CleanupCandidate> candidates,
        CleanupLimits limits,
        DateTimeOffset now,
        Func<CleanupCandidate, CancellationToken, Task<bool>> tryRemove,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(tryRemove);
        // OrderBy is stable: ties keep the caller's order.
        var ordered = candidates.OrderBy(c => c.LastUsed).ToList();
        var before = ordered.Sum(c => c.Bytes);
        var total = before;
        var removed = new List<CleanupRemoval>();
        foreach (var candidate in ordered)
        {
            CleanupReason reason;
            if (now - candidate.LastUsed >= limits.MaxAge)
            {
                reason = CleanupReason.Expired;
            }
            else if (total > limits.MaxBytes)
            {
                reason = CleanupReason.OverCap;
            }
            else
            {
                // Everything after this one is younger, and the total only shrinks: nothing more to do.
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (await tryRemove(candidate, cancellationToken))
            {
                total -= candidate.Bytes;
                removed.Add(new CleanupRemoval(candidate, reason));
            }
        }

        return new CleanupResult(removed, before, total);
    }
}
