using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using DevServer.Contracts.Work.V1;
using DevServer.DiskCleanup;
using DevServer.Processes;

namespace DevServer.Vendors.Core.Git;

/// <remarks>
/// Submodules are checked out the way <c>git clone --recurse-submodules</c> would, at the commits the tree records, but
/// without <c>git submodule</c>: that command writes <c>submodule.*</c> settings into the repository's configuration,
/// which for a worktree is the clone cache's, shared by every worktree of it. Instead each submodule URL has a bare cache
/// of its own, <c>cache/submodule-&lt;name&gt;-&lt;hash of the URL&gt;.git</c> (branches in <c>refs/heads/*</c>: no
/// worktree ever uses it), fetched only when it lacks the recorded commit, and the submodule's folder is a local clone of
/// that cache whose <c>origin</c> is then set to the submodule's real URL. The clone copies the objects
/// (<c>--no-hardlinks</c>): a hard link would give whoever owns the worktree (an agent, a verification stage) write access
/// to the cache's own object files, and a corrupted object there would corrupt every later checkout of that submodule.
/// The clone keeps its <c>.git</c> folder inside the worktree, so removing the worktree removes it too.
/// <para>
/// File transport: since git 2.38.1 <c>git submodule</c> refuses local-path URLs (<c>protocol.file.allow</c> defaults to
/// <c>user</c> and submodule commands run as "not the user"). The fetch into a submodule cache runs the same way
/// (<c>GIT_PROTOCOL_FROM_USER=0</c>), so git's policy and the user's own <c>protocol.*</c> settings still decide, except
/// for a URL that <c>.gitmodules</c> gives as relative (<c>../lib</c>) to a superproject whose location is a local path:
/// the superproject's owner chose a local repository, so its relative neighbours are local too, and
/// <c>-c protocol.file.allow=always</c> is passed to that one fetch (a <c>file://</c> location is a URL here; nested
/// submodules inherit the allowance only through relative URLs). An absolute local path in <c>.gitmodules</c> — which an
/// agent's patch series may add — gets git's own policy, refused by default: otherwise a series could have the verifier
/// copy any local repository its user can read into the checkout. Nothing is ever written to a configuration file.
/// </para>
/// <para>
/// Everything this prints about a submodule (log lines, errors, findings) has the user-info of URLs masked
/// (<c>https://user:token@host/…</c> becomes <c>https://***@host/…</c>, see <see cref="MaskCredentials"/>).
/// </para>
/// </remarks>
public sealed partial class Workspace
{
    private const string SubmoduleCachePrefix = "submodule-";

    // Why a local-path submodule URL was refused, added to git's own "transport 'file' not allowed".
    private const string LocalUrlRefused =
        "(a local-path submodule URL is fetched only when .gitmodules gives it relative to a superproject whose location is a local path; "
        + "any other local path follows git's protocol.file.allow, which refuses it by default)";

    /// <summary>
    /// Checks out the worktree's submodules recursively at the commits its index records (nested ones at the commits
    /// their parent records), as after <c>git clone --recurse-submodules</c>; submodules already at their commit stay as
    /// they are. Meant for after <see cref="ApplyPatchSeriesAsync"/> on a worktree prepared without submodules, so that
    /// the series decides which submodules there are. Relative URLs resolve against the URL of the repository that names
    /// them (for the worktree, its cache's <c>origin</c>). A worktree without <c>.gitmodules</c> costs no git process.
    /// Gitlinks that <c>.gitmodules</c> does not name, or names with <c>update = none</c>, stay empty folders.
    /// </summary>
    /// <param name="worktreePath">A worktree prepared by <see cref="PrepareWorktreeAsync(RepositorySource, string, string, string, string?, bool, Action{ProcessOutputLine}?, CancellationToken)"/>.</param>
    /// <param name="log">Gets git's output lines (URLs' user-info masked).</param>
    /// <param name="cancellationToken">Stops git; the method then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>A failed value naming the submodule when its origin cannot be fetched or lacks the recorded commit.</returns>
    public Task<SubmoduleCheckout> CheckOutSubmodulesAsync(string worktreePath, Action<ProcessOutputLine>? log, CancellationToken cancellationToken) =>
        CheckOutWorktreeSubmodulesAsync(worktreePath, null, log, cancellationToken);

    /// <summary>
    /// <see cref="CheckOutSubmodulesAsync(string, Action{ProcessOutputLine}?, CancellationToken)"/> for an agent's worktree
    /// after an earlier attempt's work was applied on <paramref name="baseCommit"/>, with one difference: a submodule whose
    /// recorded commit its origin does not have (the earlier agent committed inside the submodule, and the superproject
    /// recorded that commit) does not fail the checkout. It is checked out at the commit the base records for it instead
    /// (when the base records none there, its folder stays empty and its gitlink is taken out of the index), the index is
    /// set to match, and a log line says so. The next agent is told why its predecessor failed and can fix the work; had
    /// this failed, the task would have stopped for good, since every later attempt gets the same earlier work. Unless
    /// the agent does otherwise, its work then records the submodule as the base has it. Only for the agent's side: the
    /// verifier must fail on such a series rather than test something other than what would be delivered.
    /// Everything else that fails (an unreachable or refused URL, an unreadable <c>.gitmodules</c>, nested submodules, the
    /// base's commit missing too) fails as in the other method.
    /// </summary>
    /// <param name="worktreePath">A worktree prepared without submodules, with the earlier work applied.</param>
    /// <param name="baseCommit">The commit the earlier work was applied on (full hash).</param>
    /// <param name="log">Gets git's output lines and one line per submodule checked out at the base's commit instead.</param>
    /// <param name="cancellationToken">Stops git; the method then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>A failed value naming the submodule when it cannot be checked out at either commit.</returns>
    public Task<SubmoduleCheckout> CheckOutPriorWorkSubmodulesAsync(
        string worktreePath, string baseCommit, Action<ProcessOutputLine>? log, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseCommit);
        return CheckOutWorktreeSubmodulesAsync(worktreePath, baseCommit, log, cancellationToken);
    }

    // baseCommit: null, or the commit to fall back to (CheckOutPriorWorkSubmodulesAsync).
    private async Task<SubmoduleCheckout> CheckOutWorktreeSubmodulesAsync(
        string worktreePath, string? baseCommit, Action<ProcessOutputLine>? log, CancellationToken cancellationToken)
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

        var error = await CheckOutSubmodulesAsync(worktreePath, origin, IsLocalLocation(origin), string.Empty, baseCommit, Masked(log), cancellationToken);
        return error is null ? SubmoduleCheckout.Done : SubmoduleCheckout.Failed(MaskCredentials(error));
    }

    // relativeMayBeLocal: whether file transport is allowed for a relative URL found here (the repository naming it was
    // itself reached by a local path the user or a relative URL chose, see the remarks). baseCommit: for the worktree's own
    // submodules only, the commit to fall back to (see CheckOutPriorWorkSubmodulesAsync); null everywhere else. Nested
    // submodules never fall back: their commits come from their parent's origin, not from a patch series.
    private async Task<string?> CheckOutSubmodulesAsync(
        string directory,
        string url,
        bool relativeMayBeLocal,
        string prefix,
        string? baseCommit,
        Action<ProcessOutputLine>? log,
        CancellationToken cancellationToken)
    {
        if (!HasGitmodules(directory))
        {
            return null;
        }

        var (submodules, unreadable) = await ReadSubmodulesAsync(directory, url, cancellationToken);
        if (unreadable is not null)
        {
            return $"Cannot read the submodules of {(prefix.Length == 0 ? "the worktree" : prefix.TrimEnd('/'))}: {unreadable}";
        }

        foreach (var submodule in submodules)
        {
            var shown = prefix + submodule.Path;
            if (submodule.Url is null || submodule.Skipped)
            {
                log?.Invoke(new ProcessOutputLine(false, submodule.Url is null
                    ? $"Submodule path '{shown}' has no URL in .gitmodules: left empty."
                    : $"Submodule '{submodule.Name}' ({shown}) has update = none: left empty."));
                continue;
            }

            var fileAllowed = relativeMayBeLocal && submodule.Relative;
            var folder = Path.Combine(directory, submodule.Path);
            if (await HeadOfAsync(folder, cancellationToken) != submodule.Commit)
            {
                var failed = await CloneAtCommitAsync(submodule, folder, shown, fileAllowed, log, cancellationToken);
                if (failed is { CommitMissing: true } && baseCommit is not null)
                {
                    failed = await FallBackToBaseAsync(directory, submodule, folder, fileAllowed, baseCommit, failed, log, cancellationToken);
                }

                if (failed is not null)
                {
                    return failed.Message;
                }
            }

            // A submodule left empty has no .gitmodules: nothing nested is checked out.
            var nested = await CheckOutSubmodulesAsync(folder, submodule.Url, fileAllowed, shown + "/", null, log, cancellationToken);
            if (nested is not null)
            {
                return nested;
            }
        }

        return null;
    }

    // The worktree's submodule whose recorded commit its origin lacks, as the base has it: checked out at the base's
    // commit, or left empty and out of the index when the base records no submodule there. Null when done, else why not.
    private async Task<CheckoutError?> FallBackToBaseAsync(
        string worktree,
        Submodule submodule,
        string folder,
        bool fileAllowed,
        string baseCommit,
        CheckoutError missing,
        Action<ProcessOutputLine>? log,
        CancellationToken cancellationToken)
    {
        var atBase = await GitlinkAtAsync(worktree, baseCommit, submodule.Path, cancellationToken);
        if (atBase == submodule.Commit)
        {
            // The base itself records the missing commit: nothing better to fall back to.
            return missing;
        }

        string instead;
        if (atBase is null)
        {
            // As git leaves a submodule it does not check out: an empty folder. Out of the index too, or the next series
            // would carry the unreachable commit on (git add --all keeps the gitlink of an empty submodule folder as it is).
            Folders.Delete(folder);
            Directory.CreateDirectory(folder);
            await GitCommand.RunCheckedAsync(worktree, ["update-index", "--force-remove", "--", submodule.Path], cancellationToken);
            instead = $"the base records no submodule at {submodule.Path}, so its folder is left empty and its gitlink is taken out of the index "
                + "(.gitmodules still names it)";
        }
        else
        {
            var failed = await CloneAtCommitAsync(submodule with { Commit = atBase }, folder, submodule.Path, fileAllowed, log, cancellationToken);
            if (failed is not null)
            {
                return new CheckoutError($"{missing.Message} The commit the base records instead cannot be checked out either: {failed.Message}", CommitMissing: false);
            }

            // The index records what is checked out, as the next commit of the work will.
            await GitCommand.RunCheckedAsync(worktree, ["update-index", "--cacheinfo", $"160000,{atBase},{submodule.Path}"], cancellationToken);
            instead = $"checked out at {atBase}, the commit the base records, instead";
        }

        log?.Invoke(new ProcessOutputLine(true,
            $"Submodule '{submodule.Name}' (path {submodule.Path}, URL {submodule.Url}): the prior work records {submodule.Commit}, which its origin "
            + $"does not have; {instead}. Commits made inside a submodule cannot be delivered: change the superproject instead, or push the "
            + "submodule's commit to its origin first. Unless the agent does either, its work records the submodule as the base has it."));
        return null;
    }

    // The commit a gitlink of <commit>'s tree records at the path, or null when the path is no gitlink there.
    private static async Task<string?> GitlinkAtAsync(string repository, string commit, string path, CancellationToken cancellationToken)
    {
        var listed = await GitCommand.RunCheckedAsync(repository, ["--literal-pathspecs", "ls-tree", "-z", commit, "--", path], cancellationToken);
        foreach (var record in listed.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<mode> <type> <object>\t<path>"
            var tab = record.IndexOf('\t', StringComparison.Ordinal);
            if (tab >= 0 && record[(tab + 1)..] == path && record[..tab].Split(' ') is ["160000", "commit", var recorded])
            {
                return recorded;
            }
        }

        return null;
    }

    // The submodule's folder afresh: a copy of its cache (which gets the commit first), then the commit checked out.
    private async Task<CheckoutError?> CloneAtCommitAsync(
        Submodule submodule, string folder, string shown, bool fileAllowed, Action<ProcessOutputLine>? log, CancellationToken cancellationToken)
    {
        var url = submodule.Url!;
        var described = $"submodule '{submodule.Name}' (path {shown}, URL {url})";
        var cache = Path.Combine(Root, CacheFolder, SubmoduleCacheName(url));
        var cacheLock = CacheLock(cache);
        await cacheLock.WaitAsync(cancellationToken);
        try
        {
            var missing = await FetchCommitAsync(cache, url, submodule.Commit, fileAllowed, log, cancellationToken);
            if (missing is not null)
            {
                return new CheckoutError($"Cannot check out {described} at {submodule.Commit}: {missing.Reason}", missing.OriginReached);
            }

            // Under the cache's lock, so the cleanup cannot remove the cache mid-clone. The cache is the workspace's own
            // repository: file transport is allowed for this clone whatever the user's protocol settings. --no-hardlinks:
            // the worktree's owner must not get write access to the cache's object files (see the remarks).
            Folders.Delete(folder);
            var cloned = await GitCommand.RunAsync(
                Root, ["-c", "protocol.file.allow=always", "clone", "--quiet", "--no-checkout", "--no-hardlinks", "--", cache, folder], log, cancellationToken);
            if (!cloned.Succeeded)
            {
                return new CheckoutError($"Cannot check out {described}: git clone of its cache failed: {cloned.Tail()}", CommitMissing: false);
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
            return new CheckoutError($"Cannot check out {described} at {submodule.Commit}: {checkedOut.Tail()}", CommitMissing: false);
        }

        // The clone and checkout are quiet; one line tells the task's log which submodule came from where.
        log?.Invoke(new ProcessOutputLine(false, $"Submodule '{submodule.Name}' ({shown}) checked out at {submodule.Commit} from {url}"));
        return null;
    }

    // Null when the cache has the commit (fetching its origin's branches and tags, then the commit itself, when it lacks
    // it), else why not. The caller holds the cache's lock.
    private static async Task<FetchFailure?> FetchCommitAsync(
        string cache, string url, string commit, bool fileAllowed, Action<ProcessOutputLine>? log, CancellationToken cancellationToken)
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
        var fileTransport = fileAllowed ? new[] { "-c", "protocol.file.allow=always" } : [];
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

            var refused = !fileAllowed && IsLocalUrl(url) ? $" {LocalUrlRefused}" : string.Empty;
            return new FetchFailure($"cannot fetch {url}: {fetched.Tail()}{refused}", OriginReached: false);
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

        return new FetchFailure($"the commit {commit} is not in {url}.", OriginReached: true);
    }

    // The submodules .gitmodules names whose path is a gitlink in the index, in index order, with their URLs resolved;
    // or why they cannot be read (git failed).
    private static async Task<(IReadOnlyList<Submodule> Submodules, string? Error)> ReadSubmodulesAsync(
        string directory, string url, CancellationToken cancellationToken)
    {
        // --file reads .gitmodules as plain configuration (no includes); exit code 1 means no submodule entries.
        var read = await GitCommand.RunAsync(directory, ["config", "--file", ".gitmodules", "--null", "--get-regexp", @"^submodule\."], null, cancellationToken);
        if (read.ExitCode is not (0 or 1))
        {
            return ([], $".gitmodules cannot be read: {read.Tail(500)}");
        }

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
            if (setting == "path" && IsPlainRelativePath(value.TrimEnd('/')))
            {
                names[value.TrimEnd('/')] = name;
            }
        }

        if (names.Count == 0)
        {
            return ([], null);
        }

        // Paths come from the index (git has validated them), never from .gitmodules alone, so none leads outside.
        var staged = await GitCommand.RunAsync(directory, ["--literal-pathspecs", "ls-files", "--stage", "-z", "--", .. names.Keys], null, cancellationToken);
        if (!staged.Succeeded)
        {
            return ([], $"git ls-files failed: {staged.Tail(500)}");
        }

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

            var raw = settings.TryGetValue((name, "url"), out var written) ? written.Trim() : null;
            var submoduleUrl = raw is null ? null : ResolveSubmoduleUrl(url, raw);
            var relative = raw is not null && (raw.StartsWith("./", StringComparison.Ordinal) || raw.StartsWith("../", StringComparison.Ordinal));
            var skipped = settings.TryGetValue((name, "update"), out var update) && update.Trim() == "none";
            submodules.Add(new Submodule(name, record[(tab + 1)..], submoduleUrl, commit, skipped, relative));
        }

        return (submodules, null);
    }

    // A path .gitmodules may name: not empty, not absolute, no "." or ".." component. Other entries name no path of the
    // tree, and as pathspecs git ls-files would reject them ("empty string is not a valid pathspec", "outside repository").
    private static bool IsPlainRelativePath(string path) =>
        path.Length > 0
        && !Path.IsPathRooted(path)
        && !path.Contains('\0', StringComparison.Ordinal)
        && path.Split('/').All(part => part is not ("" or "." or ".."));

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

    /// <summary>
    /// <paramref name="text"/> with the user-info of every <c>scheme://user:password@host</c> URL in it replaced by
    /// <c>***</c>: submodule URLs may carry tokens, and their log lines and errors end up in the task's log and result.
    /// </summary>
    internal static string MaskCredentials(string text) => UrlUserInfo().Replace(text, "${scheme}***@");

    // A log that masks the credentials in every line before passing it on.
    private static Action<ProcessOutputLine>? Masked(Action<ProcessOutputLine>? log) =>
        log is null ? null : line => log(line with { Text = MaskCredentials(line.Text) });

    // A URL git reads from the local file system: a path, or file://.
    private static bool IsLocalUrl(string url) =>
        Path.IsPathRooted(url) || url.StartsWith("file:", StringComparison.OrdinalIgnoreCase);

    // The user-info of a URL with a scheme: greedy up to the last '@' before the host (a password may hold '@').
    [GeneratedRegex(@"(?<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s'""?#]+@")]
    private static partial Regex UrlUserInfo();

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

    // Relative: .gitmodules gave the URL as ./ or ../ (see the remarks on file transport).
    private sealed record Submodule(string Name, string Path, string? Url, string Commit, bool Skipped, bool Relative);

    // Why a submodule cache lacks a commit; OriginReached tells "the origin does not have it" from "cannot tell".
    private sealed record FetchFailure(string Reason, bool OriginReached);

    // Why a submodule cannot be checked out; CommitMissing: only because its origin, reached, lacks the commit.
    private sealed record CheckoutError(string Message, bool CommitMissing);
}
