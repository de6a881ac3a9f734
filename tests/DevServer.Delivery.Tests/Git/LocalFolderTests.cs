using System.Security.Cryptography;
using DevServer.Delivery.Git;

namespace DevServer.Delivery.Tests.Git;

public sealed class LocalFolderTests
{
    [Fact]
    public async Task DeliverToLocalFolder_DirtyCheckout_NewBranchOnlyEverythingElseByteForByte()
    {
        using var fixture = new DeliveryFixture();
        var (folder, baseCommit, series) = await OperatorFolderAsync(fixture);
        // The operator is on their own branch with staged and unstaged work and an untracked file.
        await DeliveryFixture.Git(folder, "checkout", "--quiet", "-b", "operator/feature");
        await File.WriteAllTextAsync(Path.Combine(folder, "src", "app.txt"), "operator's unstaged edit\n", fixture.Token);
        await File.WriteAllTextAsync(Path.Combine(folder, "staged.txt"), "staged\n", fixture.Token);
        await DeliveryFixture.Git(folder, "add", "staged.txt");
        await File.WriteAllTextAsync(Path.Combine(folder, "untracked.txt"), "untracked\n", fixture.Token);
        var before = Snapshot(folder);
        var statusBefore = await DeliveryFixture.Git(folder, "status", "--porcelain=v2", "--branch");
        var repository = new DeliveryRepository("operator-app", folder, "main") { Kind = RepositoryKind.LocalFolder };
        var branch = BranchNames.ForTask(8, "Local change");

        var first = await fixture.Delivery.DeliverToLocalFolderAsync(repository, series, baseCommit, branch, fixture.Token);
        var again = await fixture.Delivery.DeliverToLocalFolderAsync(repository, series, baseCommit, branch, fixture.Token);

        Assert.Equal(GitDeliveryStatus.Delivered, first.Status);
        Assert.Equal((GitDeliveryStatus.Unchanged, first.Commit), (again.Status, again.Commit));
        Assert.Equal(first.Commit, await DeliveryFixture.Git(folder, "rev-parse", $"refs/heads/{branch}"));
        Assert.Equal("agent work", await DeliveryFixture.Git(folder, "show", $"{branch}:agent.txt"));
        Assert.Equal(before, Snapshot(folder));
        Assert.Equal(statusBefore, await DeliveryFixture.Git(folder, "status", "--porcelain=v2", "--branch"));
        Assert.Equal("operator/feature", await DeliveryFixture.Git(folder, "symbolic-ref", "--short", "HEAD"));
        Assert.DoesNotContain(fixture.Sandbox.DeliveryRoot, await File.ReadAllTextAsync(Path.Combine(folder, ".git", "config"), fixture.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeliverToLocalFolder_BranchCheckedOut_RejectedAndUntouched()
    {
        using var fixture = new DeliveryFixture();
        var (folder, baseCommit, series) = await OperatorFolderAsync(fixture);
        var branch = BranchNames.ForTask(9, "Checked out");
        await DeliveryFixture.Git(folder, "checkout", "--quiet", "-b", branch);
        await File.WriteAllTextAsync(Path.Combine(folder, "wip.txt"), "wip\n", fixture.Token);
        var before = Snapshot(folder);
        var repository = new DeliveryRepository("operator-app", folder, "main") { Kind = RepositoryKind.LocalFolder };

        var outcome = await fixture.Delivery.DeliverToLocalFolderAsync(repository, series, baseCommit, branch, fixture.Token);

        Assert.Equal(GitDeliveryStatus.Rejected, outcome.Status);
        Assert.Equal(baseCommit, await DeliveryFixture.Git(folder, "rev-parse", branch));
        Assert.Equal(before, Snapshot(folder));
    }

    [Fact]
    public async Task ExportPatches_DirtyLocalFolder_PatchesWithoutTouchingIt()
    {
        using var fixture = new DeliveryFixture();
        var (folder, baseCommit, series) = await OperatorFolderAsync(fixture);
        await File.WriteAllTextAsync(Path.Combine(folder, "README.md"), "operator edit\n", fixture.Token);
        var before = Snapshot(folder);
        var repository = new DeliveryRepository("operator-app", folder, "main") { Kind = RepositoryKind.LocalFolder };

        var export = await fixture.Delivery.ExportPatchesAsync(repository, series, baseCommit, fixture.Token);

        Assert.Equal(GitDeliveryStatus.Delivered, export.Outcome.Status);
        Assert.Equal(["agent.txt"], export.Statistics.Files.Select(f => f.Path));
        Assert.Equal(before, Snapshot(folder));
        Assert.Equal(string.Empty, await DeliveryFixture.Git(folder, "branch", "--list", "agent/*"));
    }

    [Fact]
    public async Task DeliverToLocalFolder_PushFlows_RefuseLocalFolders()
    {
        using var fixture = new DeliveryFixture();
        var (folder, baseCommit, series) = await OperatorFolderAsync(fixture);
        var repository = new DeliveryRepository("operator-app", folder, "main") { Kind = RepositoryKind.LocalFolder };

        await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Delivery.PushBranchAsync(repository, series, baseCommit, "agent/1-x", fixture.Token));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Delivery.CommitDirectAsync(repository, series, baseCommit, "[task 1] x\n", fixture.Token));
    }

    private static async Task<(string Folder, string BaseCommit, byte[] Series)> OperatorFolderAsync(DeliveryFixture fixture)
    {
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("upstream", new Dictionary<string, string>
        {
            ["src/app.txt"] = "app\n",
            ["README.md"] = "# Operator\n",
        });
        var folder = await fixture.Sandbox.CloneAsync(bare, "operator");
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["agent.txt"] = "agent work\n" });
        return (folder, baseCommit, series);
    }

    // Every file of the working tree and the files of .git that describe the checkout (HEAD, index, config, refs of
    // the checked-out branch), as hashes: "byte for byte unchanged".
    private static SortedDictionary<string, string> Snapshot(string folder)
    {
        var snapshot = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(folder, file);
            var inGit = relative.StartsWith(".git" + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            if (inGit && relative is not (".git/HEAD" or ".git/index" or ".git/config") && !relative.StartsWith(".git/refs/heads/operator", StringComparison.Ordinal)
                && !relative.StartsWith(".git/refs/heads/main", StringComparison.Ordinal))
            {
                continue;
            }

            snapshot[relative] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));
        }

        return snapshot;
    }
}
