using System.Collections.Concurrent;

namespace DevServer.Delivery.Git;

/// <summary>
/// Delivery's clone cache of one repository, <c>&lt;root&gt;/cache/&lt;name&gt;.git</c> (bare; the origin's branches
/// under <c>refs/remotes/origin/*</c>, as in the workers' workspaces, so no fetch ever fights a local branch), and
/// throw-away worktrees of it under <c>&lt;root&gt;/worktrees/</c>. The origin URL on disk never holds a credential.
/// All work on one cache is serialised (per process): deliveries of one repository run one at a time.
/// </summary>
internal sealed class DeliveryCheckout
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);
    private readonly GitRunner _git;
    private readonly DeliveryRepository _repository;
    private readonly string _root;

    public DeliveryCheckout(GitRunner git, string root, DeliveryRepository repository)
    {
        _git = git;
        _root = Path.GetFullPath(root);
        _repository = repository;
        CachePath = Path.Combine(_root, "cache", $"{SafeName(repository.Name)}.git");
    }

    public string CachePath { get; }

    public async Task<IDisposable> LockAsync(CancellationToken cancellationToken)
    {
        var semaphore = Locks.GetOrAdd(CachePath, _ => new SemaphoreSlim(1, 1));
        await semaphore.WaitAsync(cancellationToken);
        return new Releaser(semaphore);
    }

    /// <summary>The cache's lock when nobody holds it, else null (for cleanup, which must not wait for deliveries).</summary>
    public static IDisposable? TryLock(string cachePath)
    {
        var semaphore = Locks.GetOrAdd(Path.GetFullPath(cachePath), _ => new SemaphoreSlim(1, 1));
        return semaphore.Wait(0) ? new Releaser(semaphore) : null;
    }

    /// <summary>Creates the cache when missing and fetches every branch of the origin; null on success, else the failed fetch.</summary>
    public async Task<GitResult?> FetchAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(CachePath, "HEAD")))
        {
            Directory.CreateDirectory(CachePath);
            await _git.RunCheckedAsync(CachePath, ["init", "--quiet", "--bare"], cancellationToken);
            await _git.RunCheckedAsync(CachePath, ["remote", "add", "--", "origin", OriginLocation], cancellationToken);
        }
        else
        {
            await _git.RunCheckedAsync(CachePath, ["remote", "set-url", "--", "origin", OriginLocation], cancellationToken);
        }

        var fetched = await _git.RunAsync(
            CachePath,
            ["fetch", "--prune", "--no-tags", "origin", "+refs/heads/*:refs/remotes/origin/*"],
            _repository.Credentials,
            cancellationToken);
        return fetched.Succeeded ? null : fetched;
    }

    /// <summary>A detached worktree at <paramref name="commit"/>, removed when disposed.</summary>
    public async Task<Worktree> AddWorktreeAsync(string commit, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_root, "worktrees", $"{SafeName(_repository.Name)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await _git.RunCheckedAsync(CachePath, ["worktree", "add", "--detach", "--quiet", path, commit], cancellationToken);
        return new Worktree(_git, CachePath, path);
    }

    // A local folder is read through its absolute path (a file: URL's too); a remote as given.
    private string OriginLocation =>
        _repository.Kind == RepositoryKind.LocalFolder ? _repository.FolderPath : _repository.Location;

    internal static string SafeName(string name)
    {
        var safe = string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')).Trim('.');
        return safe.Length > 0 ? safe : "_";
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}

/// <summary>A throw-away worktree of a delivery cache.</summary>
internal sealed class Worktree(GitRunner git, string cache, string path) : IAsyncDisposable
{
    public string Path { get; } = path;

    public async ValueTask DisposeAsync()
    {
        // Not the caller's token: a cancelled delivery still cleans up after itself.
        await git.RunAsync(cache, ["worktree", "remove", "--force", Path], null, CancellationToken.None);
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }

        await git.RunAsync(cache, ["worktree", "prune"], null, CancellationToken.None);
    }
}
