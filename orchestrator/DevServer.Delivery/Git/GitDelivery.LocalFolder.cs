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

        var folder = Path.GetFullPath(repository.Location);
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
            if (await _git.TryRevParseAsync(folder, refName, cancellationToken) == head)
            {
                return GitDeliveryOutcome.Of(GitDeliveryStatus.Unchanged, refName, head, $"{branch} already holds this work.");
            }

            var transfer = $"refs/delivery/{branch}";
            await _git.RunCheckedAsync(checkout.CachePath, ["update-ref", transfer, head], cancellationToken);
            try
            {
                var fetched = await _git.RunAsync(
                    folder,
                    ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules", checkout.CachePath, $"{transfer}:{refName}"],
                    null,
                    cancellationToken);
                return fetched.Succeeded ? GitDeliveryOutcome.Of(GitDeliveryStatus.Delivered, refName, head, $"Created {branch} in {folder}.")
                    : fetched.TimedOut ? TimedOut(refName, fetched)
                    : GitDeliveryOutcome.Of(GitDeliveryStatus.Rejected, refName, string.Empty, $"The folder refused {branch}: {fetched.Tail()}");
            }
            finally
            {
                await _git.RunAsync(checkout.CachePath, ["update-ref", "-d", transfer], null, CancellationToken.None);
            }
        }
    }
}
