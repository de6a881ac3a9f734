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
/// Removes delivery's leftovers under its root, by age and by a disk cap: for a scheduled job. A cache (and its
/// worktrees) that a delivery is using right now is skipped, never waited for.
/// </summary>
public sealed partial class DeliveryCleanup(GitDeliveryOptions options, TimeProvider time, ILogger<DeliveryCleanup> logger)
{
    public async Task<DeliveryCleanupReport> CleanAsync(DeliveryCleanupOptions cleanup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cleanup);
        var root = Path.GetFullPath(options.Root);
        var now = time.GetUtcNow().UtcDateTime;
        var git = new GitRunner(logger, options.CommitterName, options.CommitterEmail);
        var removedWorktrees = new List<string>();
        var removedCaches = new List<string>();

        foreach (var worktree in Folders(Path.Combine(root, "worktrees")))
        {
            // <safe repository name>-<32 hex>: the cache it belongs to.
            var name = Path.GetFileName(worktree);
            var cache = Path.Combine(root, "cache", $"{(name.Length > 33 ? name[..^33] : name)}.git");
            if (now - Directory.GetLastWriteTimeUtc(worktree) < cleanup.WorktreeMaxAge)
            {
                continue;
            }

            using var held = DeliveryCheckout.TryLock(cache);
            if (held is null)
            {
                continue;
            }

            Directory.Delete(worktree, recursive: true);
            if (Directory.Exists(cache))
            {
                await git.RunAsync(cache, ["worktree", "prune"], null, cancellationToken);
            }

            removedWorktrees.Add(name);
        }

        foreach (var file in Directory.Exists(Path.Combine(root, "tmp")) ? Directory.GetFiles(Path.Combine(root, "tmp")) : [])
        {
            if (now - File.GetLastWriteTimeUtc(file) >= cleanup.WorktreeMaxAge)
            {
                File.Delete(file);
            }
        }

        var caches = Folders(Path.Combine(root, "cache"))
            .Select(path => (Path: path, LastUsed: LastUsed(path), Bytes: Size(path)))
            .OrderBy(c => c.LastUsed)
            .ThenBy(c => c.Path, StringComparer.Ordinal)
            .ToList();
        var before = caches.Sum(c => c.Bytes);
        var total = before;
        foreach (var cache in caches)
        {
            var expired = now - cache.LastUsed >= cleanup.CacheMaxAge;
            if (!expired && total <= cleanup.MaxCacheBytes)
            {
                continue;
            }

            using var held = DeliveryCheckout.TryLock(cache.Path);
            if (held is null || HasWorktrees(cache.Path))
            {
                continue;
            }

            Directory.Delete(cache.Path, recursive: true);
            total -= cache.Bytes;
            removedCaches.Add(Path.GetFileName(cache.Path));
        }

        if (removedWorktrees.Count + removedCaches.Count > 0)
        {
            Cleaned(logger, removedWorktrees.Count, removedCaches.Count, before, total);
        }

        return new DeliveryCleanupReport(removedWorktrees, removedCaches, before, total);
    }

    // Worktrees still registered after the prune above are young leftovers or in use: their cache stays.
    private static bool HasWorktrees(string cache)
    {
        var registrations = Path.Combine(cache, "worktrees");
        return Directory.Exists(registrations) && Directory.GetDirectories(registrations).Length > 0;
    }

    private static string[] Folders(string path) => Directory.Exists(path) ? [.. Directory.GetDirectories(path).Order(StringComparer.Ordinal)] : [];

    // A fetch writes FETCH_HEAD; a cache that never fetched counts from its creation.
    private static DateTime LastUsed(string cache)
    {
        var fetchHead = Path.Combine(cache, "FETCH_HEAD");
        return File.Exists(fetchHead) ? File.GetLastWriteTimeUtc(fetchHead) : Directory.GetLastWriteTimeUtc(cache);
    }

    private static long Size(string folder) =>
        new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery cleanup removed {Worktrees} worktree(s) and {Caches} cache(s); caches {Before} → {After} bytes")]
    private static partial void Cleaned(ILogger logger, int worktrees, int caches, long before, long after);
}
