using DevServer.DiskCleanup;

namespace DevServer.Vendors.Core.Git;

public sealed partial class Workspace
{
    private const string CacheFolder = "cache";
    private const string WorktreesFolder = "worktrees";
    private const string TemporaryFolder = "tmp";

    /// <summary>
    /// Removes what the workspace no longer needs, by <see cref="CleanupPolicy"/>: worktrees, the entries of
    /// <see cref="WorkspaceCleanupOptions.CacheFolders"/> and clone caches unused for <see cref="WorkspaceCleanupOptions.MaxAge"/>,
    /// then the least recently used of them while they take more than <see cref="WorkspaceCleanupOptions.MaxDiskBytes"/>;
    /// and files in <c>tmp/</c> past the age (a crashed call's leftovers). A worktree is deleted and then pruned from its
    /// cache, so <c>git worktree list</c> forgets it; a cache goes only when none of its worktrees is left.
    /// </summary>
    /// <param name="options">The limits and the cache folders.</param>
    /// <param name="isInUse">
    /// Whether an assignment in progress uses an item, given its path relative to the root with '/' separators
    /// (<c>worktrees/task-42</c>, <c>cache/sample.git</c>, <c>baselines/&lt;commit&gt;</c>). Asked while the item's clone
    /// cache is locked, so an assignment that starts meanwhile waits for the removal and then prepares afresh.
    /// </param>
    /// <param name="now">The time ages are measured against.</param>
    /// <param name="cancellationToken">Stops between two removals (and stops git).</param>
    public async Task<WorkspaceCleanupReport> CleanAsync(
        WorkspaceCleanupOptions options, Func<string, bool> isInUse, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(isInUse);
        var failures = new List<CleanupFailure>();
        var removers = new Dictionary<string, Func<CancellationToken, Task<bool>>>(StringComparer.Ordinal);

        // A worktree counts as used when its folder or its registration in the cache (index, HEAD) last changed.
        var worktrees = new List<CleanupCandidate>();
        var newestWorktreeOfCache = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var path in Entries(WorktreesFolder, folders: true))
        {
            var registration = ReadRegistration(path);
            var cacheName = registration is null ? null : Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(registration)));
            var lastUsed = registration is null
                ? DiskUsage.LastWrite(path)
                : DiskUsage.LastWrite(path, registration, Path.Combine(registration, "index"), Path.Combine(registration, "HEAD"));
            worktrees.Add(new CleanupCandidate(path, lastUsed, DiskUsage.Bytes(path)));
            removers[path] = token => RemoveWorktreeItemAsync(path, cacheName, Key(WorktreesFolder, path), token);
            if (cacheName is not null && (!newestWorktreeOfCache.TryGetValue(cacheName, out var newest) || lastUsed > newest))
            {
                newestWorktreeOfCache[cacheName] = lastUsed;
            }
        }

        var entries = new List<CleanupCandidate>();
        foreach (var folder in options.CacheFolders.Distinct(StringComparer.Ordinal))
        {
            foreach (var path in Entries(folder, folders: null))
            {
                entries.Add(new CleanupCandidate(path, DiskUsage.LastWrite(path), DiskUsage.Bytes(path)));
                removers[path] = _ => Task.FromResult(!isInUse(Key(folder, path)) && Delete(path));
            }
        }

        // A cache is in use as long as one of its worktrees is: it counts from the later of its last fetch and their
        // last use, so it never comes before them.
        var caches = new List<CleanupCandidate>();
        foreach (var path in Entries(CacheFolder, folders: true))
        {
            var lastUsed = DiskUsage.LastFetch(path);
            if (newestWorktreeOfCache.TryGetValue(Path.GetFileName(path), out var newest) && newest > lastUsed)
            {
                lastUsed = newest;
            }

            caches.Add(new CleanupCandidate(path, lastUsed, DiskUsage.Bytes(path)));
            removers[path] = token => RemoveCacheAsync(path, Key(CacheFolder, path), token);
        }

        var limits = new CleanupLimits(options.MaxAge, options.MaxDiskBytes);
        var result = await CleanupPolicy.ApplyAsync(
            [.. worktrees, .. entries, .. caches], limits, now, (candidate, token) => removers[candidate.Path](token), cancellationToken);

        // Patch files in transit live for one call; old ones are leftovers and do not count towards the cap.
        var temporary = Entries(TemporaryFolder, folders: false).Select(path => new CleanupCandidate(path, DiskUsage.LastWrite(path), DiskUsage.Bytes(path)));
        var leftovers = await CleanupPolicy.ApplyAsync(
            temporary, CleanupLimits.AgeOnly(options.MaxAge), now, (candidate, _) => Task.FromResult(Delete(candidate.Path)), cancellationToken);

        return new WorkspaceCleanupReport([.. result.Removed, .. leftovers.Removed], failures, result.BytesBefore, result.BytesAfter);

        bool Delete(string path)
        {
            try
            {
                Folders.Delete(path);
                return true;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                failures.Add(new CleanupFailure(path, exception.Message));
                return false;
            }
        }

        async Task<bool> RemoveWorktreeItemAsync(string path, string? cacheName, string key, CancellationToken token)
        {
            if (cacheName is null)
            {
                // Not a worktree of a cache (a half-made or broken one): only the folder is there to remove.
                return !isInUse(key) && Delete(path);
            }

            // The cache's own lock, as preparation takes it: never while a fetch runs or a worktree is being added.
            var cacheLock = CacheLock(Path.Combine(Root, CacheFolder, cacheName));
            if (!cacheLock.Wait(0, token))
            {
                return false;
            }

            try
            {
                if (isInUse(key))
                {
                    return false;
                }

                await RemoveWorktreeFolderAsync(path, null, token);
                return true;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                failures.Add(new CleanupFailure(path, exception.Message));
                return false;
            }
            finally
            {
                cacheLock.Release();
            }
        }

        async Task<bool> RemoveCacheAsync(string cache, string key, CancellationToken token)
        {
            var cacheLock = CacheLock(cache);
            if (!cacheLock.Wait(0, token))
            {
                return false;
            }

            try
            {
                if (isInUse(key))
                {
                    return false;
                }

                // Registrations whose folder is gone are forgotten first; any left belong to worktrees still there.
                await GitCommand.RunAsync(cache, ["worktree", "prune"], null, token);
                var registrations = Path.Combine(cache, WorktreesFolder);
                return !(Directory.Exists(registrations) && Directory.EnumerateFileSystemEntries(registrations).Any()) && Delete(cache);
            }
            finally
            {
                cacheLock.Release();
            }
        }
    }

    /// <summary>Whether <paramref name="name"/> may name a cache folder: a plain folder name the workspace does not use itself.</summary>
    internal static bool IsCacheFolderName(string name) =>
        !string.IsNullOrWhiteSpace(name)
        && name is not ("." or ".." or CacheFolder or WorktreesFolder or TemporaryFolder)
        && name.IndexOfAny(['/', '\\', '\0']) < 0;

    /// <summary>The lock of a clone cache: held while it is fetched, its worktrees are added or it is cleaned.</summary>
    internal static SemaphoreSlim CacheLock(string cache) => CacheLocks.GetOrAdd(cache, _ => new SemaphoreSlim(1, 1));

    private static string Key(string folder, string path) => $"{folder}/{Path.GetFileName(path)}";

    // The entries of a folder under the root in ordinal order (folders only, files only, or both when null).
    private IEnumerable<string> Entries(string folder, bool? folders)
    {
        var path = Path.Combine(Root, folder);
        if (!Directory.Exists(path))
        {
            return [];
        }

        var entries = folders switch
        {
            true => Directory.GetDirectories(path),
            false => Directory.GetFiles(path),
            null => Directory.GetFileSystemEntries(path),
        };
        return entries.Order(StringComparer.Ordinal);
    }
}
