using System.Security.Cryptography;
using DevServer.Delivery.Git;

namespace DevServer.Delivery.Tests.Git;

/// <summary>
/// An operator's folder whose <c>.git</c> is a file (a linked worktree, a submodule) is a local folder like a clone:
/// taken for a remote, delivery would push agent branches (or the default branch) into the operator's repository.
/// </summary>
public sealed class LinkedWorktreeFolderTests
{
    [Fact]
    public async Task KindOf_LinkedWorktreeFolder_LocalFolderDeliveredAsNewRefOnlyCheckoutUntouched()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("upstream", new Dictionary<string, string> { ["src/app.txt"] = "app\n" });
        var main = await fixture.Sandbox.CloneAsync(bare, "operator");
        var linked = Path.Combine(fixture.Sandbox.Root, "clones", "operator-feature");
        await DeliveryFixture.Git(main, "worktree", "add", "--quiet", "-b", "operator/feature", linked);
        await File.WriteAllTextAsync(Path.Combine(linked, "src", "app.txt"), "operator's unstaged edit\n", fixture.Token);
        await File.WriteAllTextAsync(Path.Combine(linked, "untracked.txt"), "untracked\n", fixture.Token);
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["agent.txt"] = "agent work\n" });
        var before = Files(linked);
        var statusBefore = await DeliveryFixture.Git(linked, "status", "--porcelain=v2", "--branch");
        var mainBefore = await DeliveryFixture.Git(main, "rev-parse", "refs/heads/main");
        Assert.True(File.Exists(Path.Combine(linked, ".git")), "a linked worktree's .git is a file");

        var kind = DeliveryRepository.KindOf(linked);
        var repository = new DeliveryRepository("operator-app", linked, "main") { Kind = kind };
        var branch = BranchNames.ForTask(11, "In a worktree");
        var outcome = await fixture.Delivery.DeliverToLocalFolderAsync(repository, series, baseCommit, branch, fixture.Token);

        Assert.Equal(RepositoryKind.LocalFolder, kind);
        Assert.Equal(GitDeliveryStatus.Delivered, outcome.Status);
        Assert.Equal("agent work", await DeliveryFixture.Git(linked, "show", $"{branch}:agent.txt"));
        Assert.Equal(before, Files(linked));
        Assert.Equal(statusBefore, await DeliveryFixture.Git(linked, "status", "--porcelain=v2", "--branch"));
        Assert.Equal("operator/feature", await DeliveryFixture.Git(linked, "symbolic-ref", "--short", "HEAD"));
        Assert.Equal(mainBefore, await DeliveryFixture.Git(main, "rev-parse", "refs/heads/main"));
        // Nothing went to the upstream either: the folder is not a remote.
        Assert.Equal(string.Empty, await DeliveryFixture.Git(bare, "branch", "--list", "agent/*"));
    }

    [Fact]
    public async Task KindOf_EachKindOfLocation_WorkingFoldersLocalEverythingElseRemote()
    {
        using var fixture = new DeliveryFixture();
        var (bare, _) = await fixture.Sandbox.CreateRemoteAsync("upstream", new Dictionary<string, string> { ["a.txt"] = "a\n" });
        var clone = await fixture.Sandbox.CloneAsync(bare, "clone");
        var linked = Path.Combine(fixture.Sandbox.Root, "clones", "linked");
        await DeliveryFixture.Git(clone, "worktree", "add", "--quiet", "--detach", linked);
        // A submodule's .git file: "gitdir: ../.git/modules/<name>".
        var submodule = Directory.CreateDirectory(Path.Combine(fixture.Sandbox.Root, "super", "lib")).FullName;
        await File.WriteAllTextAsync(Path.Combine(submodule, ".git"), "gitdir: ../.git/modules/lib\n", fixture.Token);
        var stray = Directory.CreateDirectory(Path.Combine(fixture.Sandbox.Root, "stray")).FullName;
        await File.WriteAllTextAsync(Path.Combine(stray, ".git"), "not a link\n", fixture.Token);

        Assert.Equal(RepositoryKind.LocalFolder, DeliveryRepository.KindOf(clone));
        Assert.Equal(RepositoryKind.LocalFolder, DeliveryRepository.KindOf(linked));
        Assert.Equal(RepositoryKind.LocalFolder, DeliveryRepository.KindOf(new Uri(linked).AbsoluteUri));
        Assert.Equal(RepositoryKind.LocalFolder, DeliveryRepository.KindOf(submodule));
        Assert.Equal(RepositoryKind.Remote, DeliveryRepository.KindOf(bare));
        Assert.Equal(RepositoryKind.Remote, DeliveryRepository.KindOf(stray));
        Assert.Equal(RepositoryKind.Remote, DeliveryRepository.KindOf(Path.Combine(fixture.Sandbox.Root, "missing")));
        Assert.Equal(RepositoryKind.Remote, DeliveryRepository.KindOf("https://forge.example.com/acme/app.git"));
        Assert.Equal(RepositoryKind.Remote, DeliveryRepository.KindOf("git@forge.example.com:acme/app.git"));
    }

    // Every file of the linked worktree (its .git file included), as hashes.
    private static SortedDictionary<string, string> Files(string folder) =>
        new(
            Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .ToDictionary(file => Path.GetRelativePath(folder, file), file => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))),
            StringComparer.Ordinal);
}
