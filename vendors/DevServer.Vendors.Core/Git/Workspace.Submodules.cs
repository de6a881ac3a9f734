using System.Security.Cryptography;
using System.Text;
using DevServer.DiskCleanup;
using DevServer.Processes;

namespace DevServer.Vendors.Core.Git;

/// <remarks>
/// Submodules are checked out the way <c>git clone --recurse-submodules</c> would, at the commits the tree records, but
/// without <c>git submodule</c>: that command writes <c>submodule.*</c> settings into the repository's configuration,
/// which for a worktree is the clone cache's, shared by every worktree of it. Instead each submodule URL has a bare cache
/// of its own, <c>cache/submodule-&lt;name&gt;-&lt;hash of the URL&gt;.git</c> (branches in <c>refs/heads/*</c>: no
/// worktree ever uses it), fetched only when it lacks the recorded commit, and the submodule's folder is a local clone of
/// that cache (objects hard-linked, so it costs no copy and does not depend on the cache afterwards) whose <c>origin</c>
/// is then set to the submodule's real URL. The clone keeps its <c>.git</c> folder inside the worktree, so removing the
/// worktree removes it too.
/// <para>
/// File transport: since git 2.38.1 <c>git submodule</c> refuses local-path URLs (<c>protocol.file.allow</c> defaults to
/// <c>user</c> and submodule commands run as "not the user"). The fetch into a submodule cache runs the same way
/// (<c>GIT_PROTOCOL_FROM_USER=0</c>), so git's policy and the user's own <c>protocol.*</c> settings still decide, except
/// when the superproject itself is a local path: its owner chose a local repository, so its submodules may be local too,
/// and <c>-c protocol.file.allow=always</c> is passed to that one fetch (a <c>file://</c> location is a URL here). Nothing is ever written to a configuration file.
/// A submodule of a remote repository that names a local path is refused unless the user allowed file transport.
/// </para>
/// </remarks>
public sealed partial class Workspace
{
    private const string SubmoduleCachePrefix = "submodule-";

    /// <summary>
    /// Checks out the worktree's submodules recursively at the commits its index records (nested ones at the commits
    /// their parent records), as after <c>git clone --recurse-submodules</c>; submodules already at their commit stay as
    /// they are, so after <see cref="ApplyPatchSeriesAsync"/> only those the series moved or added are checked out anew.
    /// Relative URLs resolve against the URL of the repository that names them (for the worktree, its cache's
    /// <c>origin</c>). A worktree without <c>.gitmodules</c> costs no git process. Gitlinks that <c>.gitmodules</c> does not
    /// name, or names with <c>update = none</c>, stay empty folders.
    /// </summary>
    /// <param name="worktreePath">A worktree prepared by <see cref="PrepareWorktreeAsync"/>.</param>
    /// <param name="log">Gets git's output lines.</param>
    /// <param name="cancellationToken">Stops git; the method then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>A failed value naming the submodule when its origin cannot be fetched or lacks the recorded commit.</returns>
    public async Task<SubmoduleCheckout> CheckOutSubmodulesAsync(string worktreePath, Action<ProcessOutputLine>? log, CancellationToken cancellationToken)
    {
        if (!HasGitmodules(worktreePath))
        {
            return SubmoduleCheckout.Done;
        }

        var origin = await OriginUrlAsync(worktreePath, cancellationToken);
        if (origin is null)
        {
            return SubmoduleCheckout.Failed($"The worktree {worktreePath} has no origin to resolve its submodules' URLs against.");
        }

        var error = await CheckOutSubmodulesAsync(worktreePath, origin, IsLocalLocation(origin), string.Empty, log, cancellationToken);
        return error is null ? SubmoduleCheckout.Done : SubmoduleCheckout.Failed(error);
    }

    /// <summary>
    /// Work inside the worktree's submodules that a patch series of the worktree cannot carry: uncommitted changes in a
    /// submodule, and a submodule whose HEAD is a commit its origin does not have (commits made inside it). A submodule
    /// moved to a commit its origin has (a dependency update) is fine: the series records the move. Nested submodules are
    /// checked too. No git process runs when the worktree has no <c>.gitmodules</c>.
    /// </summary>
    /// <returns>One line per submodule with such work, naming its path and origin; empty when there is none.</returns>
    public async Task<IReadOnlyList<string>> FindUndeliverableSubmoduleWorkAsync(string worktreePath, CancellationToken cancellationToken)
    {
        if (!HasGitmodules(worktreePath) || await OriginUrlAsync(worktreePath, cancellationToken) is not { } origin)
        {
            return [];
        }

        var problems = new List<string>();
        await FindUndeliverableAsync(worktreePath, origin, IsLocalLocation(origin), string.Empty, problems, cancellationToken);
        return problems;
    }

    private async Task<string?> CheckOutSubmodulesAsync(
        string directory, string url, bool localOrigin, string prefix, Action<ProcessOutputLine>? log, CancellationToken cancellationToken)
    {
        if (!HasGitmodules(directory))
        {
            return null;
        }

        foreach (var submodule in await ReadSubmodulesAsync(directory, url, cancellationToken))
        {
            var shown = prefix + submodule.Path;
            if (submodule.Url is null || submodule.Skipped)
            {
                log?.Invoke(new ProcessOutputLine(false, submodule.Url is null
                    ? $"Submodule path '{shown}' has no URL in .gitmodules: left empty."
                    : $"Submodule '{submodule.Name}' ({shown}) has update = none: left empty."));
                continue;
            }

            var folder = Path.Combine(directory, submodule.Path);
            if (await HeadOfAsync(folder, cancellationToken) != submodule.Commit)
            {
                var error = await CloneAtCommitAsync(submodule, folder, shown, localOrigin, log, cancellationToken);
                if (error is not null)
                {
                    return error;
                }
            }

            var nested = await CheckOutSubmodulesAsync(folder, submodule.Url, localOrigin, shown + "/", log, cancellationToken);
            if (nested is not null)
            {
                return nested;
            }
        }

        return null;
    }

    // The submodule's folder afresh: a local clone of its cache (which gets the commit first), then the commit checked out.
    private async Task<string?> CloneAtCommitAsync(
        Submodule submodule, string folder, string shown, bool localOrigin, Action<ProcessOutputLine>? log, CancellationToken cancellationToken)
    {
        var url = submodule.Url!;
        var described = $"submodule '{submodule.Name}' (path {shown}, URL {url})";
        var cache = Path.Combine(Root, CacheFolder, SubmoduleCacheName(url));
        var cacheLock = CacheLock(cache);
        await cacheLock.WaitAsync(cancellationToken);
        try
        {
            var missing = await FetchCommitAsync(cache, url, submodule.Commit, localOrigin, log, cancellationToken);
            if (missing is not null)
            {
                return $"Cannot check out {described} at {submodule.Commit}: {missing}";
            }

            // Under the cache's lock, so the cleanup cannot remove the cache mid-clone. The cache is the workspace's own
            // repository: file transport is allowed for this clone whatever the user's protocol settings.
            Folders.Delete(folder);
            var cloned = await GitCommand.RunAsync(
                Root, ["-c", "protocol.file.allow=always", "clone", "--quiet", "--no-checkout", "--", cache, folder], log, cancellationToken);
            if (!cloned.Succeeded)
            {
                return $"Cannot check out {described}: git clone of its cache failed: {cloned.Tail()}";
            }
        }
        finally
        {
            cacheLock.Release();
        }

        // The agent sees the submodule's real origin, and nested relative URLs resolve against it.
        await GitCommand.RunCheckedAsync(folder, ["remote", "set-url", "--", "origin", url], cancellationToken);
        var checkedOut = await GitCommand.RunAsync(
            folder, ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", submodule.Commit], log, cancellationToken);
        if (!checkedOut.Succeeded)
        {
            return $"Cannot check out {described} at {submodule.Commit}: {checkedOut.Tail()}";
        }

        // The clone and checkout are quiet; one line tells the task's log which submodule came from where.
        log?.Invoke(new ProcessOutputLine(false, $"Submodule '{submodule.Name}' ({shown}) checked out at {submodule.Commit} from {url}"));
        return null;
    }

    // Null when the cache has the commit (fetching its origin's branches and tags, then the commit itself, when it lacks
    // it), else why not. The caller holds the cache's lock.
    private static async Task<string?> FetchCommitAsync(
        string cache, string url, string commit, bool localOrigin, Action<ProcessOutputLine>? log, CancellationToken cancellationToken)
    {
        var created = false;
        if (!File.Exists(Path.Combine(cache, "HEAD")))
        {
            Folders.Delete(cache);
            Directory.CreateDirectory(cache);
            await GitCommand.RunCheckedAsync(cache, ["init", "--quiet", "--bare"], cancellationToken);
            await GitCommand.RunCheckedAsync(cache, ["remote", "add", "--", "origin", url], cancellationToken);
            created = true;
        }
        else if (await HasCommitAsync(cache, commit, cancellationToken))
        {
            // A commit never changes, so a cache that has it is not fetched (the origin may even be gone). The cleanup
            // ages caches by their last fetch (FETCH_HEAD): rewriting it makes this cache age from its last use instead.
            await TouchFetchHeadAsync(cache, cancellationToken);
            return null;
        }

        // As git submodule fetches: not "from the user", so protocol.file.allow=user (git's default) refuses local paths.
        var fileTransport = localOrigin ? new[] { "-c", "protocol.file.allow=always" } : [];
        var notFromUser = new Dictionary<string, string> { ["GIT_PROTOCOL_FROM_USER"] = "0" };
        var fetched = await GitCommand.RunAsync(
            cache,
            [.. fileTransport, "fetch", "--quiet", "--prune", "--no-tags", "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
            log,
            cancellationToken,
            notFromUser);
        if (!fetched.Succeeded)
        {
            if (created)
            {
                Folders.Delete(cache);
            }

            return $"cannot fetch {url}: {fetched.Tail()}";
        }

        if (await HasCommitAsync(cache, commit, cancellationToken))
        {
            return null;
        }

        // Not on a branch or tag (any more): ask for the commit itself, which most servers allow. A ref keeps it from
        // being pruned as unreachable.
        var byHash = await GitCommand.RunAsync(cache, [.. fileTransport, "fetch", "--quiet", "--no-tags", "origin", commit], null, cancellationToken, notFromUser);
        if (byHash.Succeeded && await HasCommitAsync(cache, commit, cancellationToken))
        {
            await GitCommand.RunCheckedAsync(cache, ["update-ref", $"refs/recorded/{commit}", commit], cancellationToken);
            return null;
        }

        return $"the commit {commit} is not in {url}.";
    }

    private async Task FindUndeliverableAsync(
        string directory, string url, bool localOrigin, string prefix, List<string> problems, CancellationToken cancellationToken)
    {
        if (!HasGitmodules(directory))
        {
            return;
        }

        foreach (var submodule in await ReadSubmodulesAsync(directory, url, cancellationToken))
        {
            var folder = Path.Combine(directory, submodule.Path);
            if (submodule.Url is null || await HeadOfAsync(folder, cancellationToken) is not { } head)
            {
                // Not checked out: nothing in it can be work.
                continue;
            }

            var described = $"Submodule '{submodule.Name}' (path {prefix + submodule.Path}, origin {submodule.Url})";
            // A nested submodule's own changes are its own line; a nested submodule moved is a change of this one.
            var status = await GitCommand.RunCheckedAsync(folder, ["status", "--porcelain", "--ignore-submodules=dirty"], cancellationToken);
            var changed = status.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (changed.Length > 0)
            {
                var files = string.Join(", ", changed.Take(5).Select(line => line.Length > 3 ? line[3..] : line));
                problems.Add($"{described} has uncommitted changes ({files}{(changed.Length > 5 ? ", …" : "")}).");
            }

            var cache = Path.Combine(Root, CacheFolder, SubmoduleCacheName(submodule.Url));
            var cacheLock = CacheLock(cache);
            await cacheLock.WaitAsync(cancellationToken);
            string? missing;
            try
            {
                missing = await FetchCommitAsync(cache, submodule.Url, head, localOrigin, null, cancellationToken);
            }
            finally
            {
                cacheLock.Release();
            }

            if (missing is not null)
            {
                problems.Add($"{described} is at {head}, which its origin does not have (commits made inside the submodule): {missing}");
            }

            await FindUndeliverableAsync(folder, submodule.Url, localOrigin, prefix + submodule.Path + "/", problems, cancellationToken);
        }
    }

    // The submodules .gitmodules names whose path is a gitlink in the index, in index order, with their URLs resolved.
    private static async Task<IReadOnlyList<Submodule>> ReadSubmodulesAsync(string directory, string url, CancellationToken cancellationToken)
    {
        // --file reads .gitmodules as plain configuration (no includes); exit code 1 means no submodule entries.
        var read = await GitCommand.RunAsync(directory, ["config", "--file", ".gitmodules", "--null", "--get-regexp", @"^submodule\."], null, cancellationToken);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var settings = new Dictionary<(string Name, string Key), string>();
        foreach (var entry in read.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var newline = entry.IndexOf('\n', StringComparison.Ordinal);
            var key = newline < 0 ? entry : entry[..newline];
            var value = newline < 0 ? string.Empty : entry[(newline + 1)..];
            var dot = key.LastIndexOf('.');
            if (dot <= "submodule.".Length)
            {
                continue;
            }

            var name = key["submodule.".Length..dot];
            var setting = key[(dot + 1)..];
            settings[(name, setting)] = value;
            if (setting == "path")
            {
                names[value.TrimEnd('/')] = name;
            }
        }

        if (names.Count == 0)
        {
            return [];
        }

        // Paths come from the index (git has validated them), never from .gitmodules alone, so none leads outside.
        var staged = await GitCommand.RunCheckedAsync(directory, ["--literal-pathspecs", "ls-files", "--stage", "-z", "--", .. names.Keys], cancellationToken);
        var submodules = new List<Submodule>();
        foreach (var record in staged.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<mode> <object> <stage>\t<path>"; gitlinks have mode 160000.
            var tab = record.IndexOf('\t', StringComparison.Ordinal);
            var fields = tab < 0 ? [] : record[..tab].Split(' ');
            if (fields is not ["160000", var commit, "0"] || !names.TryGetValue(record[(tab + 1)..], out var name))
            {
                continue;
            }

            var submoduleUrl = settings.TryGetValue((name, "url"), out var raw) ? ResolveSubmoduleUrl(url, raw.Trim()) : null;
            var skipped = settings.TryGetValue((name, "update"), out var update) && update.Trim() == "none";
            submodules.Add(new Submodule(name, record[(tab + 1)..], submoduleUrl, commit, skipped));
        }

        return submodules;
    }

    /// <summary>
    /// A submodule URL as <c>git submodule</c> resolves it: <c>./x</c> and <c>../x</c> relative to the URL of the repository
    /// naming it (each <c>../</c> drops one path component, or the part after the colon of <c>host:path</c>); any other
    /// URL as written. Null for a URL git would take for an option.
    /// </summary>
    internal static string? ResolveSubmoduleUrl(string baseUrl, string url)
    {
        if (url.Length == 0 || url.StartsWith('-'))
        {
            return null;
        }

        if (!url.StartsWith("./", StringComparison.Ordinal) && !url.StartsWith("../", StringComparison.Ordinal))
        {
            return url;
        }

        var remote = baseUrl.EndsWith('/') ? baseUrl[..^1] : baseUrl;
        var colonSeparated = false;
        while (true)
        {
            if (url.StartsWith("../", StringComparison.Ordinal))
            {
                url = url[3..];
                var slash = remote.LastIndexOf('/');
                var colon = remote.LastIndexOf(':');
                if (slash >= 0)
                {
                    remote = remote[..slash];
                }
                else if (colon >= 0)
                {
                    remote = remote[..colon];
                    colonSeparated = true;
                }
                else
                {
                    remote = ".";
                }
            }
            else if (url.StartsWith("./", StringComparison.Ordinal))
            {
                url = url[2..];
            }
            else
            {
                break;
            }
        }

        var resolved = $"{remote}{(colonSeparated ? ":" : "/")}{url}";
        return resolved.EndsWith('/') ? resolved[..^1] : resolved;
    }

    /// <summary>
    /// Whether a repository location is a local path (absolute, as the contract has it). A <c>file://</c> URL counts as a
    /// URL: its submodules get git's own file-transport policy.
    /// </summary>
    internal static bool IsLocalLocation(string location) => Path.IsPathFullyQualified(location);

    // One cache per URL: a readable name from the URL's last component, and a hash so that two URLs never share one.
    // The prefix keeps it apart from the repositories' caches, which are named after the repository.
    private static string SubmoduleCacheName(string url)
    {
        var last = url.TrimEnd('/').Split('/', ':').Last();
        var name = CacheName(last.EndsWith(".git", StringComparison.Ordinal) ? last[..^4] : last is { Length: > 0 } ? last : "_");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)))[..16];
        return $"{SubmoduleCachePrefix}{name}-{hash}.git";
    }

    private static bool HasGitmodules(string directory) => File.Exists(Path.Combine(directory, ".gitmodules"));

    // The checked-out commit of a submodule folder, or null when it is not a repository of its own (never asks git in a
    // folder without .git: git would answer for the superproject).
    private static async Task<string?> HeadOfAsync(string folder, CancellationToken cancellationToken)
    {
        if (!Path.Exists(Path.Combine(folder, ".git")))
        {
            return null;
        }

        var head = await GitCommand.RunAsync(folder, ["rev-parse", "--verify", "--quiet", "HEAD"], null, cancellationToken);
        return head.Succeeded ? head.StandardOutput.Trim() : null;
    }

    private static async Task<string?> OriginUrlAsync(string directory, CancellationToken cancellationToken)
    {
        var origin = await GitCommand.RunAsync(directory, ["remote", "get-url", "origin"], null, cancellationToken);
        return origin.Succeeded && origin.StandardOutput.Trim() is { Length: > 0 } url ? url : null;
    }

    private static async Task<bool> HasCommitAsync(string repository, string commit, CancellationToken cancellationToken) =>
        (await GitCommand.RunAsync(repository, ["cat-file", "-e", $"{commit}^{{commit}}"], null, cancellationToken)).Succeeded;

    private static async Task TouchFetchHeadAsync(string cache, CancellationToken cancellationToken)
    {
        var fetchHead = Path.Combine(cache, "FETCH_HEAD");
        await File.WriteAllBytesAsync(fetchHead, File.Exists(fetchHead) ? await File.ReadAllBytesAsync(fetchHead, cancellationToken) : [], cancellationToken);
    }

    private sealed record Submodule(string Name, string Path, string? Url, string Commit, bool Skipped);
}
