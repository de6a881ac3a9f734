using DevServer.Delivery.Git;

namespace DevServer.Delivery.Tests.Git;

/// <summary>
/// A local folder that already has the task's branch, and a folder given as a <c>file:</c> URL (the API accepts those,
/// and <see cref="DeliveryRepository.KindOf"/> counts them as folders).
/// </summary>
public sealed class LocalFolderBranchTests
{
    [Fact]
    public async Task DeliverToLocalFolder_BranchExistsWithOtherCommits_RejectedNamingTheBranchAndWhatToDo()
    {
        using var fixture = new DeliveryFixture();
        var (folder, baseCommit, series) = await OperatorFolderAsync(fixture, "operator");
        var branch = BranchNames.ForTask(12, "Diverged");
        // The operator's own commit under that name, next to their checkout (which stays on main).
        var theirs = await DeliveryFixture.Git(folder, "commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "operator's experiment");
        await DeliveryFixture.Git(folder, "branch", branch, theirs);
        var repository = new DeliveryRepository("operator-app", folder, "main") { Kind = RepositoryKind.LocalFolder };

        var outcome = await fixture.Delivery.DeliverToLocalFolderAsync(repository, series, baseCommit, branch, fixture.Token);

        Assert.Equal((GitDeliveryStatus.Rejected, false, ""), (outcome.Status, outcome.Retryable, outcome.Commit));
        // git's own fetch --quiet says nothing about a non-fast-forward: the reason must come from delivery.
        Assert.Equal(
            $"{branch} already exists in {folder} at {theirs[..12]} with commits this work does not have, " +
            "and a branch there is only ever fast-forwarded: rename or delete that branch, then retry.",
            outcome.Message);
        Assert.Equal(theirs, await DeliveryFixture.Git(folder, "rev-parse", $"refs/heads/{branch}"));
        Assert.Equal("main", await DeliveryFixture.Git(folder, "symbolic-ref", "--short", "HEAD"));
    }

    [Fact]
    public async Task DeliverToLocalFolder_BranchExistsBehindTheWork_FastForwarded()
    {
        using var fixture = new DeliveryFixture();
        var (folder, baseCommit, series) = await OperatorFolderAsync(fixture, "operator");
        var branch = BranchNames.ForTask(13, "Behind");
        await DeliveryFixture.Git(folder, "branch", branch, baseCommit);
        var repository = new DeliveryRepository("operator-app", folder, "main") { Kind = RepositoryKind.LocalFolder };

        var outcome = await fixture.Delivery.DeliverToLocalFolderAsync(repository, series, baseCommit, branch, fixture.Token);

        Assert.Equal(GitDeliveryStatus.Delivered, outcome.Status);
        Assert.Equal(outcome.Commit, await DeliveryFixture.Git(folder, "rev-parse", $"refs/heads/{branch}"));
        Assert.Equal(baseCommit, await DeliveryFixture.Git(folder, "rev-parse", $"{branch}~1"));
    }

    [Fact]
    public async Task DeliverToLocalFolder_FileUrlLocation_DeliveredIntoTheFolderItNames()
    {
        using var fixture = new DeliveryFixture();
        // A space, which the URL encodes as %20: the folder is the decoded path.
        var (folder, baseCommit, series) = await OperatorFolderAsync(fixture, "operator folder");
        var location = new Uri(folder).AbsoluteUri;
        Assert.StartsWith("file:///", location, StringComparison.Ordinal);
        Assert.Contains("%20", location, StringComparison.Ordinal);
        var repository = new DeliveryRepository("operator-app", location, "main") { Kind = DeliveryRepository.KindOf(location) };
        var branch = BranchNames.ForTask(14, "Through a URL");

        var export = await fixture.Delivery.ExportPatchesAsync(repository, series, baseCommit, fixture.Token);
        var outcome = await fixture.Delivery.DeliverToLocalFolderAsync(repository, series, baseCommit, branch, fixture.Token);

        Assert.Equal(RepositoryKind.LocalFolder, repository.Kind);
        Assert.Equal(GitDeliveryStatus.Delivered, export.Outcome.Status);
        Assert.Equal(GitDeliveryStatus.Delivered, outcome.Status);
        Assert.Equal($"Created {branch} in {folder}.", outcome.Message);
        Assert.Equal(outcome.Commit, await DeliveryFixture.Git(folder, "rev-parse", $"refs/heads/{branch}"));
        Assert.Equal("agent work", await DeliveryFixture.Git(folder, "show", $"{branch}:agent.txt"));
    }

    private static async Task<(string Folder, string BaseCommit, byte[] Series)> OperatorFolderAsync(DeliveryFixture fixture, string name)
    {
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("upstream", new Dictionary<string, string> { ["src/app.txt"] = "app\n" });
        var folder = await fixture.Sandbox.CloneAsync(bare, name);
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["agent.txt"] = "agent work\n" });
        return (folder, baseCommit, series);
    }
}
