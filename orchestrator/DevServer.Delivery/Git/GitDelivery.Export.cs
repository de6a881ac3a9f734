namespace DevServer.Delivery.Git;

public sealed partial class GitDelivery
{
    /// <summary>
    /// Patch-only flow: nothing is pushed. The series is applied on its base (which proves it applies) and written
    /// back out as <c>git format-patch --binary</c> files and one combined mbox, with its diff statistics.
    /// </summary>
    public async Task<PatchExport> ExportPatchesAsync(
        DeliveryRepository repository, ReadOnlyMemory<byte> series, string baseCommit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        repository.Validate();
        var checkout = new DeliveryCheckout(_git, _options.Root, repository);
        using var held = await checkout.LockAsync(cancellationToken);
        if (await checkout.FetchAsync(cancellationToken) is { } fetchError)
        {
            return EmptyExport(Failure(string.Empty, "fetch", fetchError));
        }

        var (worktree, head, failed) = await ApplyAsync(checkout, series, baseCommit, string.Empty, cancellationToken);
        if (worktree is null)
        {
            return EmptyExport(failed!);
        }

        await using (worktree)
        {
            var folder = TemporaryFile("export");
            Directory.CreateDirectory(folder);
            try
            {
                await _git.RunCheckedAsync(
                    worktree.Path,
                    ["format-patch", "--quiet", "--binary", "--no-cover-letter", "--no-numbered", "--no-signature", "-o", folder, $"{baseCommit}..{head}"],
                    cancellationToken);
                var patches = new List<PatchFile>();
                foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
                {
                    patches.Add(new PatchFile(Path.GetFileName(file), await File.ReadAllBytesAsync(file, cancellationToken)));
                }

                var combined = patches.SelectMany(p => p.Content).ToArray();
                var statistics = await DiffStatisticsAsync(worktree.Path, baseCommit, head, cancellationToken);
                var log = await _git.RunCheckedAsync(worktree.Path, ["log", "--reverse", "--format=%s", $"{baseCommit}..{head}"], cancellationToken);
                var subjects = log.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                var outcome = GitDeliveryOutcome.Of(GitDeliveryStatus.Delivered, string.Empty, head, $"{patches.Count} patch(es) exported.");
                return new PatchExport(outcome, patches, combined, statistics, subjects, head);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private async Task<DiffStatistics> DiffStatisticsAsync(string worktree, string from, string to, CancellationToken cancellationToken)
    {
        var numstat = await _git.RunCheckedAsync(worktree, ["diff", "--numstat", "-z", "--no-renames", from, to], cancellationToken);
        var files = new List<FileStatistics>();
        foreach (var entry in numstat.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.TrimStart('\n').Split('\t', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            var binary = parts[0] == "-";
            files.Add(new FileStatistics(
                parts[2],
                binary ? 0 : int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
                binary ? 0 : int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
                binary));
        }

        return new DiffStatistics([.. files.OrderBy(f => f.Path, StringComparer.Ordinal)]);
    }

    private static PatchExport EmptyExport(GitDeliveryOutcome outcome) => new(outcome, [], [], new DiffStatistics([]), [], string.Empty);
}
