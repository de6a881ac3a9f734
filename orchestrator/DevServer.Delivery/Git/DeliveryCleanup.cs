using DevServer.DiskCleanup;
using Microsoft.Extensions.Logging;

namespace DevServer.Delivery.Git;

/// <summary>What the cleanup removes.</summary>
/// <param name="WorktreeMaxAge">Worktrees and temp files older than this are leftovers of a crash (a delivery removes its own).</param>
/// <param name="CacheMaxAge">Clone caches not fetched for this long are removed (the next delivery clones again).</param>
/// <param name="MaxCacheBytes">When the caches together are larger, the least recently used go first until they fit.</param>
public sealed record DeliveryCleanupOptions(TimeSpan WorktreeMaxAge, TimeSpan CacheMaxAge, long MaxCacheBytes);

/// <summary>What one cleanup removed (folder names under the delivery root) and the cache size before and after.</summary>
public sealed record DeliveryCleanupReport(IReadOnlyList<string> RemovedWorktrees, IReadOnlyList<string> RemovedCaches, long CacheBytesBefore, long CacheBytesAfter);

/// <summary>
/// Removes delivery's leftovers under its root by the shared <see cref="CleanupPolicy"/> (the workers' workspaces use the
/// same): worktrees and temp files by age, clone caches by age and then least recently used under a disk cap. A cache
/// (and its worktrees) that a delivery is using right now is skipped, never waited for.
/// </summary>
public sealed partial class DeliveryCleanup(GitDeliveryOptions options, TimeProvider time, ILogger<DeliveryCleanup> logger)
{
    public async Task<DeliveryCleanupReport> CleanAsync(DeliveryCleanupOptions cleanup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cleanup);
        var root = Path.GetFullPath(options.Root);
        var now = time.GetUtcNow();
        var git = new GitRunner(logger, options.CommitterName, options.CommitterEmail);

        var worktrees = await CleanupPolicy.ApplyAsync(
            Subfolders(Path.Combine(root, "worktrees")).Select(path => new CleanupCandidate(path, DiskUsage.LastWrite(path), DiskUsage.Bytes(path))),
            CleanupLimits.AgeOnly(cleanup.WorktreeMaxAge),
            now,
            async (worktree, token) =>
            {
                // <safe repository name>-<32 hex>: the cache it belongs to.
                var name = Path.GetFileName(worktree.Path);
                var cache = Path.Combine(root, "cache", $"{(name.Length > 33 ? name[..^33] : name)}.git");
                using var held = DeliveryCheckout.TryLock(cache);
                if (held is null)
                {
                    return false;
                }

                Folders.Delete(worktree.Path);
                if (Directory.Exists(cache))
                {
                    await git.RunAsync(cache, ["worktree", "prune"], null, token);
                }

                return true;
            },
            cancellationToken);

        var temporary = Path.Combine(root, "tmp");
        await CleanupPolicy.ApplyAsync(
            (Directory.Exists(temporary) ? Directory.GetFiles(temporary) : []).Select(path => new CleanupCandidate(path, DiskUsage.LastWrite(path), DiskUsage.Bytes(path))),
            CleanupLimits.AgeOnly(cleanup.WorktreeMaxAge),
            now,
            (file, _) =>
            {
                File.Delete(file.Path);
                return Task.FromResult(true);
            },
            cancellationToken);

        var caches = await CleanupPolicy.ApplyAsync(
            Subfolders(Path.Combine(root, "cache")).Select(path => new CleanupCandidate(path, DiskUsage.LastFetch(path), DiskUsage.Bytes(path))),
            new CleanupLimits(cleanup.CacheMaxAge, cleanup.MaxCacheBytes),
            now,
            (cache, _) =>
            {
                using var held = DeliveryCheckout.TryLock(cache.Path);
                if (held is null || HasWorktrees(cache.Path))
                {
                    return Task.FromResult(false);
                }

                Folders.Delete(cache.Path);
                return Task.FromResult(true);
            },
            cancellationToken);

        if (worktrees.Removed.Count + caches.Removed.Count > 0)
        {
            Cleaned(logger, worktrees.Removed.Count, caches.Removed.Count, worktrees.BytesFreed + caches.BytesFreed, caches.BytesBefore, caches.BytesAfter);
        }

        return new DeliveryCleanupReport(
            [.. worktrees.Removed.Select(r => Path.GetFileName(r.Candidate.Path))],
            [.. caches.Removed.Select(r => Path.GetFileName(r.Candidate.Path))],
            caches.BytesBefore,
            caches.BytesAfter);
    }

    // Worktrees still registered after the prune above are young leftovers or in use: their cache stays.
    private static bool HasWorktrees(string cache)
    {
        var registrations = Path.Combine(cache, "worktrees");
        return Directory.Exists(registrations) && Directory.GetDirectories(registrations).Length > 0;
    }

    private static string[] Subfolders(string path) => Directory.Exists(path) ? [.. Directory.GetDirectories(path).Order(StringComparer.Ordinal)] : [];

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery cleanup removed {Worktrees} worktree(s) and {Caches} cache(s), freeing {Freed} bytes; caches {Before} → {After} bytes")]
    private static partial void Cleaned(ILogger logger, int worktrees, int caches, long freed, long before, long after);
}
