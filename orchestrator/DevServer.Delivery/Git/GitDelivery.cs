using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace DevServer.Delivery.Git;

/// <summary>
/// The git side of delivery, on a clone cache per repository: a verified patch series (the sidecar's
/// <c>git format-patch --binary</c> mbox) is applied on its base commit with <c>git am --3way</c> and then pushed to
/// an agent branch, squashed onto the default branch, written into a local folder's new branch, or exported.
/// </summary>
/// <remarks>
/// Applying uses <c>--committer-date-is-author-date</c> and a fixed committer, so the same series on the same base
/// always gives the same commit ids: delivering twice finds the ref already there and pushes nothing.
/// </remarks>
public sealed partial class GitDelivery
{
    private readonly GitDeliveryOptions _options;
    private readonly GitRunner _git;
    private readonly ILogger _logger;

    public GitDelivery(GitDeliveryOptions options, ILogger<GitDelivery> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger;
        _git = new GitRunner(logger, options);
    }

    /// <summary>Runs before each push of a direct commit (attempt 1, 2): lets tests stage a real race.</summary>
    internal Func<int, CancellationToken, Task>? BeforeDirectPush { get; set; }

    /// <summary>
    /// Branch flow: applies the series on <paramref name="baseCommit"/> and pushes it to <paramref name="branch"/>
    /// (an <c>agent/…</c> branch from <see cref="BranchNames.ForTask"/>) with a lease on what the last fetch saw there.
    /// Force is used on that branch only; the default branch is never a target of this method.
    /// </summary>
    public async Task<GitDeliveryOutcome> PushBranchAsync(
        DeliveryRepository repository, ReadOnlyMemory<byte> series, string baseCommit, string branch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        repository.Validate();
        var refName = $"refs/heads/{branch}";
        if (!BranchNames.IsAgentBranch(branch) || branch == repository.DefaultBranch)
        {
            throw new ArgumentException($"'{branch}' is not an agent branch; only agent/… branches are force-pushed.", nameof(branch));
        }

        if (repository.Kind != RepositoryKind.Remote)
        {
            throw new ArgumentException("A local folder is never pushed to; use DeliverToLocalFolderAsync.", nameof(repository));
        }

        var checkout = new DeliveryCheckout(_git, _options.Root, repository);
        using var held = await checkout.LockAsync(cancellationToken);
        if (await checkout.FetchAsync(cancellationToken) is { } fetchError)
        {
            return Failure(refName, "fetch", fetchError);
        }

        var (worktree, head, failed) = await ApplyAsync(checkout, series, baseCommit, refName, cancellationToken);
        if (worktree is null)
        {
            return failed!;
        }

        await using (worktree)
        {
            var remote = await _git.TryRevParseAsync(checkout.CachePath, $"refs/remotes/origin/{branch}", cancellationToken);
            if (remote == head)
            {
                return GitDeliveryOutcome.Of(GitDeliveryStatus.Unchanged, refName, head, $"{branch} already holds this work.");
            }

            var pushed = await _git.RunAsync(
                worktree.Path,
                ["push", "--porcelain", $"--force-with-lease={refName}:{remote ?? string.Empty}", "origin", $"{head}:{refName}"],
                repository.Credentials,
                cancellationToken);
            if (!pushed.Succeeded)
            {
                return Failure(refName, "push", pushed);
            }

            BranchPushed(_logger, repository.Name, branch, head);
            return GitDeliveryOutcome.Of(GitDeliveryStatus.Delivered, refName, head, $"Pushed {branch}.");
        }
    }

    /// <summary>
    /// Direct commit flow: applies the series on its base, rebases it onto the latest default branch, squashes it into
    /// one commit with <paramref name="message"/> (see <see cref="BranchNames.CommitMessage"/>) and pushes that
    /// without force. A conflict is a <see cref="GitDeliveryStatus.Conflict"/> naming the files; a push that loses a
    /// race fetches, rebases and tries once more, then reports <see cref="GitDeliveryStatus.Rejected"/>.
    /// </summary>
    public async Task<GitDeliveryOutcome> CommitDirectAsync(
        DeliveryRepository repository, ReadOnlyMemory<byte> series, string baseCommit, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        repository.Validate();
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        if (repository.Kind != RepositoryKind.Remote)
        {
            throw new ArgumentException("A local folder is never pushed to; use DeliverToLocalFolderAsync.", nameof(repository));
        }

        var refName = $"refs/heads/{repository.DefaultBranch}";
        var checkout = new DeliveryCheckout(_git, _options.Root, repository);
        using var held = await checkout.LockAsync(cancellationToken);
        if (await checkout.FetchAsync(cancellationToken) is { } fetchError)
        {
            return Failure(refName, "fetch", fetchError);
        }

        var (worktree, work, failed) = await ApplyAsync(checkout, series, baseCommit, refName, cancellationToken);
        if (worktree is null)
        {
            return failed!;
        }

        await using (worktree)
        {
            var messageFile = TemporaryFile("message");
            await File.WriteAllTextAsync(messageFile, message, cancellationToken);
            try
            {
                for (var attempt = 1; ; attempt++)
                {
                    var upstream = await _git.TryRevParseAsync(
                        checkout.CachePath, $"refs/remotes/origin/{repository.DefaultBranch}^{{commit}}", cancellationToken);
                    if (upstream is null)
                    {
                        return GitDeliveryOutcome.Of(GitDeliveryStatus.Failed, refName, string.Empty, $"The repository has no branch '{repository.DefaultBranch}'.");
                    }

                    var squashed = await RebaseAndSquashAsync(worktree.Path, work, baseCommit, upstream, messageFile, refName, cancellationToken);
                    if (squashed.Outcome is { } early)
                    {
                        return early;
                    }

                    if (BeforeDirectPush is { } beforePush)
                    {
                        await beforePush(attempt, cancellationToken);
                    }

                    var pushed = await _git.RunAsync(
                        worktree.Path, ["push", "--porcelain", "origin", $"{squashed.Commit}:{refName}"], repository.Credentials, cancellationToken);
                    if (pushed.Succeeded)
                    {
                        DirectCommitPushed(_logger, repository.Name, repository.DefaultBranch, squashed.Commit, attempt);
                        return GitDeliveryOutcome.Of(GitDeliveryStatus.Delivered, refName, squashed.Commit, $"Committed to {repository.DefaultBranch}.");
                    }

                    var failure = Failure(refName, "push", pushed);
                    if (failure.Status != GitDeliveryStatus.Rejected || !failure.Retryable || attempt == 2)
                    {
                        return failure;
                    }

                    // Someone pushed to the default branch since our fetch: take their work in and rebase once more.
                    if (await checkout.FetchAsync(cancellationToken) is { } refetchError)
                    {
                        return Failure(refName, "fetch", refetchError);
                    }
                }
            }
            finally
            {
                File.Delete(messageFile);
            }
        }
    }

    // A worktree at the base with the series applied, or the outcome that says why not.
    private async Task<(Worktree? Worktree, string Head, GitDeliveryOutcome? Failed)> ApplyAsync(
        DeliveryCheckout checkout, ReadOnlyMemory<byte> series, string baseCommit, string refName, CancellationToken cancellationToken)
    {
        if (!CommitHash().IsMatch(baseCommit ?? string.Empty))
        {
            return (null, string.Empty, GitDeliveryOutcome.Of(GitDeliveryStatus.Failed, refName, string.Empty, $"'{baseCommit}' is not a commit hash."));
        }

        var resolved = await _git.TryRevParseAsync(checkout.CachePath, $"{baseCommit}^{{commit}}", cancellationToken);
        if (resolved is null)
        {
            return (null, string.Empty, GitDeliveryOutcome.Of(GitDeliveryStatus.Failed, refName, string.Empty, $"The repository has no commit {baseCommit}."));
        }

        if (series.IsEmpty)
        {
            return (null, string.Empty, GitDeliveryOutcome.Of(GitDeliveryStatus.NothingToDeliver, refName, string.Empty, "The series is empty."));
        }

        var worktree = await checkout.AddWorktreeAsync(resolved, cancellationToken);
        var file = TemporaryFile("series");
        try
        {
            await File.WriteAllBytesAsync(file, series, cancellationToken);
            var applied = await _git.RunAsync(
                worktree.Path, ["am", "--quiet", "--3way", "--keep-cr", "--keep-non-patch", "--committer-date-is-author-date", file], null, cancellationToken);
            if (!applied.Succeeded)
            {
                await _git.RunAsync(worktree.Path, ["am", "--abort"], null, CancellationToken.None);
                await worktree.DisposeAsync();
                return (null, string.Empty, applied.TimedOut
                    ? TimedOut(refName, applied)
                    : GitDeliveryOutcome.Of(GitDeliveryStatus.ApplyFailed, refName, string.Empty, $"The series does not apply on {baseCommit}: {applied.Tail()}"));
            }

            var head = await _git.RevParseAsync(worktree.Path, "HEAD", cancellationToken);
            if (head == resolved)
            {
                await worktree.DisposeAsync();
                return (null, string.Empty, GitDeliveryOutcome.Of(GitDeliveryStatus.NothingToDeliver, refName, string.Empty, "The series holds no commits."));
            }

            return (worktree, head, null);
        }
        catch
        {
            await worktree.DisposeAsync();
            throw;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<(string Commit, GitDeliveryOutcome? Outcome)> RebaseAndSquashAsync(
        string worktree, string work, string baseCommit, string upstream, string messageFile, string refName, CancellationToken cancellationToken)
    {
        await _git.RunCheckedAsync(worktree, ["checkout", "--quiet", "--detach", work], cancellationToken);
        var rebased = await _git.RunAsync(worktree, ["rebase", "--quiet", "--onto", upstream, baseCommit], null, cancellationToken);
        if (rebased.TimedOut)
        {
            await _git.RunAsync(worktree, ["rebase", "--abort"], null, CancellationToken.None);
            return (string.Empty, TimedOut(refName, rebased));
        }

        if (!rebased.Succeeded)
        {
            var unmerged = await _git.RunAsync(worktree, ["diff", "--name-only", "-z", "--diff-filter=U"], null, cancellationToken);
            var files = unmerged.StandardOutput.Split(['\0', '\n'], StringSplitOptions.RemoveEmptyEntries).Distinct().Order(StringComparer.Ordinal).ToList();
            await _git.RunAsync(worktree, ["rebase", "--abort"], null, CancellationToken.None);
            return files.Count > 0
                ? (string.Empty, new GitDeliveryOutcome(
                    GitDeliveryStatus.Conflict, refName, string.Empty, files, $"The work conflicts with the latest {refName[11..]} in: {string.Join(", ", files)}"))
                : (string.Empty, GitDeliveryOutcome.Of(GitDeliveryStatus.Failed, refName, string.Empty, $"git rebase failed: {rebased.Tail()}"));
        }

        var tree = await _git.RevParseAsync(worktree, "HEAD^{tree}", cancellationToken);
        if (tree == await _git.RevParseAsync(worktree, $"{upstream}^{{tree}}", cancellationToken))
        {
            return (string.Empty, GitDeliveryOutcome.Of(
                GitDeliveryStatus.NothingToDeliver, refName, upstream, $"{refName[11..]} already holds this work."));
        }

        var commit = await _git.RunCheckedAsync(worktree, ["commit-tree", tree, "-p", upstream, "-F", messageFile], cancellationToken);
        return (commit.StandardOutput.Trim(), null);
    }

    // Push and fetch failures: a lost race is Rejected and retryable, the server's refusal Rejected and final;
    // authentication and unknown repositories are final; anything else (network, a forge's 5xx, a command that ran out
    // of time) may pass on a retry.
    private static GitDeliveryOutcome Failure(string refName, string operation, GitResult result)
    {
        if (result.TimedOut)
        {
            return TimedOut(refName, result);
        }

        var output = result.Tail();
        // The server's own refusal (a protected branch, a hook): no retry changes its mind.
        if (output.Contains("[remote rejected]", StringComparison.Ordinal))
        {
            return GitDeliveryOutcome.Of(GitDeliveryStatus.Rejected, refName, string.Empty, $"git {operation} was refused by the server: {output}");
        }

        if (output.Contains("[rejected]", StringComparison.Ordinal)
            || output.Contains("non-fast-forward", StringComparison.Ordinal)
            || output.Contains("stale info", StringComparison.Ordinal))
        {
            return GitDeliveryOutcome.Of(GitDeliveryStatus.Rejected, refName, string.Empty, $"git {operation} lost a race: {output}", retryable: true);
        }

        var final = output.Contains("Authentication failed", StringComparison.OrdinalIgnoreCase)
            || output.Contains("could not read Username", StringComparison.OrdinalIgnoreCase)
            || output.Contains("returned error: 401", StringComparison.Ordinal)
            || output.Contains("returned error: 403", StringComparison.Ordinal)
            || output.Contains("returned error: 404", StringComparison.Ordinal)
            || output.Contains("not found", StringComparison.OrdinalIgnoreCase)
            || output.Contains("does not appear to be a git repository", StringComparison.Ordinal);
        return GitDeliveryOutcome.Of(GitDeliveryStatus.Failed, refName, string.Empty, $"git {operation} failed: {output}", retryable: !final);
    }

    // The message names the command and the limit only: what git printed before it hung adds nothing and could be long.
    private static GitDeliveryOutcome TimedOut(string refName, GitResult result) =>
        GitDeliveryOutcome.Of(GitDeliveryStatus.Failed, refName, string.Empty, $"{result.TimeoutMessage}; the delivery is retried.", retryable: true);

    private string TemporaryFile(string purpose)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetFullPath(_options.Root), "tmp")).FullName;
        return Path.Combine(folder, $"{purpose}-{Guid.NewGuid():N}");
    }

    [GeneratedRegex("^[0-9a-fA-F]{7,64}$")]
    private static partial Regex CommitHash();

    [LoggerMessage(Level = LogLevel.Information, Message = "Pushed {Branch} of {Repository} at {Commit}")]
    private static partial void BranchPushed(ILogger logger, string repository, string branch, string commit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Committed {Commit} to {Branch} of {Repository} (attempt {Attempt})")]
    private static partial void DirectCommitPushed(ILogger logger, string repository, string branch, string commit, int attempt);
}
