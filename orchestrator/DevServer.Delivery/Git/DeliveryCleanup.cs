using DevServer.DiskCleanup;
using Microsoft.Extensions.Logging;

namespace DevServer.Delivery.Git;

/// <summary>What the cleanup removes.</summary>
/// <param name="WorktreeMaxAge">Worktrees and temp files older than this are leftovers of a crash (a delivery removes its own).</param>
/// <param name="CacheMaxAge">Clone caches not fetched for this long are removed (the next delivery clones again).</param>
/// <param name="MaxBytes">
/// When the worktrees and clone caches together are larger, the least recently used of them go first until they fit.
/// </param>
public sealed record DeliveryCleanupOptions(TimeSpan WorktreeMaxAge, TimeSpan CacheMaxAge, long MaxBytes);

/// <summary>
/// What one cleanup removed (folder names under the delivery root) and the size of the worktrees and caches together
/// (what the cap limits) before and after.
/// </summary>
public sealed record DeliveryCleanupReport(IReadOnlyList<string> RemovedWorktrees, IReadOnlyList<string> RemovedCaches, long BytesBefore, long BytesAfter);

/// <summary>
/// Removes delivery's leftovers under its root by the shared <see cref="CleanupPolicy"/> (the workers' workspaces use the
/// same): worktrees and temp files by age, clone caches by age, and then the least recently used worktrees and caches
/// while together they are over the disk cap. Whatever belongs to a cache a delivery is using right now (the cache's
/// <see cref="DeliveryCheckout.TryLock"/> is held for the whole delivery, worktree included) is skipped, never waited for.
/// </summary>
public sealed partial class DeliveryCleanup(GitDeliveryOptions options, TimeProvider time, ILogger<DeliveryCleanup> logger)
{
    // <safe repository name>-<32 hex>, as DeliveryCheckout names a worktree after its cache.
    private const int WorktreeSuffixLength = 33;

    public async Task<DeliveryCleanupReport> CleanAsync(DeliveryCleanupOptions cleanup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cleanup);
        var root = Path.GetFullPath(options.Root);
        var cacheRoot = Path.Combine(root, "cache");
        var now = time.GetUtcNow();
        var git = new GitRunner(logger, options);

        var worktrees = Subfolders(Path.Combine(root, "worktrees"))
            .Select(path => new CleanupCandidate(path, DiskUsage.LastWrite(path), DiskUsage.Bytes(path))).ToList();
        // A cache counts as used as late as its newest worktree, so under the cap it never goes before them (it could not:
        // a cache goes only once none of its worktrees is left).
        var caches = Subfolders(cacheRoot).Select(path =>
        {
            var lastUsed = DiskUsage.LastFetch(path);
            foreach (var worktree in worktrees.Where(w => CacheOf(cacheRoot, w.Path) == path && w.LastUsed > lastUsed))
            {
                lastUsed = worktree.LastUsed;
            }

            return new CleanupCandidate(path, lastUsed, DiskUsage.Bytes(path));
        }).ToList();
        var bytesBefore = worktrees.Sum(w => w.Bytes) + caches.Sum(c => c.Bytes);

        var expiredWorktrees = await CleanupPolicy.ApplyAsync(
            worktrees, CleanupLimits.AgeOnly(cleanup.WorktreeMaxAge), now, RemoveWorktreeAsync, cancellationToken);

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

        var expiredCaches = await CleanupPolicy.ApplyAsync(
            caches, CleanupLimits.AgeOnly(cleanup.CacheMaxAge), now, RemoveCacheAsync, cancellationToken);

        // The cap over what is left, worktrees and caches alike, least recently used first (no age: ages are done above).
        // Worktrees come first in the list, so on equal times a worktree goes before the cache it needs.
        var removed = expiredWorktrees.Removed.Concat(expiredCaches.Removed).Select(r => r.Candidate.Path).ToHashSet(StringComparer.Ordinal);
        var overCap = await CleanupPolicy.ApplyAsync(
            worktrees.Concat(caches).Where(c => !removed.Contains(c.Path)),
            new CleanupLimits(TimeSpan.MaxValue, cleanup.MaxBytes),
            now,
            (candidate, token) => worktrees.Contains(candidate) ? RemoveWorktreeAsync(candidate, token) : RemoveCacheAsync(candidate, token),
            cancellationToken);

        var allRemoved = expiredWorktrees.Removed.Concat(expiredCaches.Removed).Concat(overCap.Removed).ToList();
        var removedWorktrees = allRemoved.Where(r => worktrees.Contains(r.Candidate)).Select(r => Path.GetFileName(r.Candidate.Path)).ToList();
        var removedCaches = allRemoved.Where(r => caches.Contains(r.Candidate)).Select(r => Path.GetFileName(r.Candidate.Path)).ToList();
        var bytesAfter = overCap.BytesAfter;
        if (allRemoved.Count > 0)
        {
            Cleaned(logger, removedWorktrees.Count, removedCaches.Count, bytesBefore - bytesAfter, bytesBefore, bytesAfter);
        }

        return new DeliveryCleanupReport(removedWorktrees, removedCaches, bytesBefore, bytesAfter);

        async Task<bool> RemoveWorktreeAsync(CleanupCandidate worktree, CancellationToken token)
        {
            var cache = CacheOf(cacheRoot, worktree.Path);
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
        }

        Task<bool> RemoveCacheAsync(CleanupCandidate cache, CancellationToken token)
        {
            using var held = DeliveryCheckout.TryLock(cache.Path);
            if (held is null || HasWorktrees(cache.Path))
            {
                return Task.FromResult(false);
            }

            Folders.Delete(cache.Path);
            return Task.FromResult(true);
        }
    }

    private static string CacheOf(string cacheRoot, string worktree)
    {
        var name = Path.GetFileName(worktree);
        return Path.Combine(cacheRoot, $"{(name.Length > WorktreeSuffixLength ? name[..^WorktreeSuffixLength] : name)}.git");
    }

    // Worktrees still registered after the prunes above are young leftovers or in use: their cache stays.
    private static bool HasWorktrees(string cache)
    {
        var registrations = Path.Combine(cache, "worktrees");
        return Directory.Exists(registrations) && Directory.GetDirectories(registrations).Length > 0;
    }

    private static string[] Subfolders(string path) => Directory.Exists(path) ? [.. Directory.GetDirectories(path).Order(StringComparer.Ordinal)] : [];

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery cleanup removed {Worktrees} worktree(s) and {Caches} cache(s), freeing {Freed} bytes; worktrees and caches {Before} → {After} bytes")]
    private static partial void Cleaned(ILogger logger, int worktrees, int caches, long freed, long before, long after);
}
