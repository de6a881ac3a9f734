using DevServer.DiskCleanup;

namespace DevServer.Vendors.Core.Git;

/// <summary>
/// How a worker's workspace is cleaned (section <c>Worker:Cleanup</c>): worktrees, clone caches and cached results
/// unused for <see cref="MaxAge"/> go, then the least recently used until the workspace fits in <see cref="MaxDiskBytes"/>.
/// What an assignment in progress uses is never removed.
/// </summary>
public sealed class WorkspaceCleanupOptions
{
    /// <summary>Anything unused for this long is removed (a clone cache is cloned again when next needed).</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The workspace's disk cap (worktrees, clone caches and cache folders together).</summary>
    public long MaxDiskBytes { get; set; } = 20L * 1024 * 1024 * 1024;

    /// <summary>The time between two cleanups.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The first cleanup runs this long after the worker starts (so a restart does not wait a whole interval).</summary>
    public TimeSpan FirstRunDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Further folders under the workspace root whose entries are cached results the cleanup may remove, each entry
    /// as one item (the verifier adds <c>baselines</c>, one entry per base commit). Plain folder names.
    /// </summary>
    public IList<string> CacheFolders { get; } = [];

    /// <summary>The settings' problems, each naming its setting under <paramref name="section"/>; empty when valid.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (MaxAge <= TimeSpan.Zero)
        {
            yield return $"{section}:MaxAge must be positive.";
        }

        if (MaxDiskBytes <= 0)
        {
            yield return $"{section}:MaxDiskBytes must be positive.";
        }

        if (Interval <= TimeSpan.Zero)
        {
            yield return $"{section}:Interval must be positive.";
        }

        if (FirstRunDelay < TimeSpan.Zero)
        {
            yield return $"{section}:FirstRunDelay must not be negative.";
        }

        foreach (var folder in CacheFolders.Where(f => !Workspace.IsCacheFolderName(f)))
        {
            yield return $"{section}:CacheFolders '{folder}' must be a plain folder name other than cache, worktrees and tmp.";
        }
    }
}

/// <summary>What one workspace cleanup removed and the workspace's size before and after; items it could not remove.</summary>
/// <param name="Removed">What went and why (paths are full paths).</param>
/// <param name="Failures">Items whose removal failed: they are tried again next time.</param>
/// <param name="BytesBefore">The workspace's items together before the cleanup.</param>
/// <param name="BytesAfter">And after it.</param>
public sealed record WorkspaceCleanupReport(
    IReadOnlyList<CleanupRemoval> Removed,
    IReadOnlyList<CleanupFailure> Failures,
    long BytesBefore,
    long BytesAfter)
{
    public long BytesFreed => BytesBefore - BytesAfter;
}

/// <summary>An item the cleanup tried to remove and could not (a file the worker may not delete, say).</summary>
public sealed record CleanupFailure(string Path, string Error);
