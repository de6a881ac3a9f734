namespace DevServer.Delivery.Git;

public sealed partial class GitDelivery
{
    /// <summary>
    /// Local folder flow: the operator's repository at <see cref="DeliveryRepository.Location"/> is only read (into the
    /// cache) and given one new ref, <c>refs/heads/&lt;branch&gt;</c>, fetched from the cache by git in that folder.
    /// Its checked-out branch, index and files are never touched: git refuses to fetch into a checked-out branch,
    /// and an existing branch is only fast-forwarded.
    /// </summary>
    public async Task<GitDeliveryOutcome> DeliverToLocalFolderAsync(
        DeliveryRepository repository, ReadOnlyMemory<byte> series, string baseCommit, string branch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        repository.Validate();
        if (repository.Kind != RepositoryKind.LocalFolder)
        {
            throw new ArgumentException("Only a local folder repository is delivered into as a folder.", nameof(repository));
        }

        if (!BranchNames.IsAgentBranch(branch))
        {
            throw new ArgumentException($"'{branch}' is not an agent branch.", nameof(branch));
        }

        var folder = repository.FolderPath;
        var refName = $"refs/heads/{branch}";
        if (!Directory.Exists(folder))
        {
            return GitDeliveryOutcome.Of(GitDeliveryStatus.Failed, refName, string.Empty, $"The folder {folder} does not exist.");
        }

        var checkout = new DeliveryCheckout(_git, _options.Root, repository);
        using var held = await checkout.LockAsync(cancellationToken);
        if (await checkout.FetchAsync(cancellationToken) is { } fetchError)
        {
            return Failure(refName, "read", fetchError);
        }

        var (worktree, head, failed) = await ApplyAsync(checkout, series, baseCommit, refName, cancellationToken);
        if (worktree is null)
        {
            return failed!;
        }

        await using (worktree)
        {
            var existing = await _git.TryRevParseAsync(folder, refName, cancellationToken);
            if (existing == head)
            {
                return GitDeliveryOutcome.Of(GitDeliveryStatus.Unchanged, refName, head, $"{branch} already holds this work.");
            }

            // git would refuse this too, but its words for it ("! [rejected] … (non-fast-forward)", and nothing at all
            // with --quiet) do not tell the operator which branch is in the way or what to do. The cache fetched the
            // folder's branches above, so it knows the commit; one it does not (the branch moved since) is left to git.
            if (existing is not null && await _git.IsAncestorAsync(checkout.CachePath, existing, head, cancellationToken) == false)
            {
                return GitDeliveryOutcome.Of(
                    GitDeliveryStatus.Rejected, refName, string.Empty,
                    $"{branch} already exists in {folder} at {existing[..Math.Min(12, existing.Length)]} with commits this work does not have, " +
                    "and a branch there is only ever fast-forwarded: rename or delete that branch, then retry.");
            }

            var transfer = $"refs/delivery/{branch}";
            await _git.RunCheckedAsync(checkout.CachePath, ["update-ref", transfer, head], cancellationToken);
            try
            {
                // Not --quiet: it silences git's "! [rejected] … (non-fast-forward)", the only explanation of that refusal.
                var fetched = await _git.RunAsync(
                    folder,
                    ["fetch", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules", checkout.CachePath, $"{transfer}:{refName}"],
                    null,
                    cancellationToken);
                return fetched.Succeeded ? GitDeliveryOutcome.Of(GitDeliveryStatus.Delivered, refName, head, $"Created {branch} in {folder}.")
                    : fetched.TimedOut ? TimedOut(refName, fetched)
                    : GitDeliveryOutcome.Of(
                        GitDeliveryStatus.Rejected, refName, string.Empty,
                        $"The folder refused {branch}: {(fetched.Tail() is { Length: > 0 } said ? said : $"git fetch exited with code {fetched.ExitCode}")}");
            }
            finally
            {
                await _git.RunAsync(checkout.CachePath, ["update-ref", "-d", transfer], null, CancellationToken.None);
            }
        }
    }
}
