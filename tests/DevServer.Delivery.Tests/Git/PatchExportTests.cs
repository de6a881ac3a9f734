using DevServer.Delivery.Git;

namespace DevServer.Delivery.Tests.Git;

public sealed class PatchExportTests
{
    [Fact]
    public async Task ExportPatches_Series_FilesMboxAndStatisticsAndGitAmRoundTrip()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", new Dictionary<string, string>
        {
            ["src/a.txt"] = "1\n2\n3\n4\n",
            ["old.txt"] = "old\n",
        });
        var work = await fixture.Sandbox.CloneAsync(bare, "work");
        await GitSandbox.CommitAsync(work, new Dictionary<string, string?> { ["src/a.txt"] = "1\ntwo\n3\n4\n5\n", ["old.txt"] = null }, "Edit a, drop old");
        await File.WriteAllBytesAsync(Path.Combine(work, "logo.bin"), [0, 1, 2, 255, 0, 7], fixture.Token);
        await GitSandbox.CommitAsync(work, new Dictionary<string, string?> { ["docs/new file.md"] = "# New\nline\n" }, "Add docs and a binary");
        var workTree = await DeliveryFixture.Git(work, "rev-parse", "HEAD^{tree}");
        var series = await fixture.Sandbox.FormatPatchAsync(work, baseCommit);

        var export = await fixture.Delivery.ExportPatchesAsync(DeliveryFixture.Remote(bare), series, baseCommit, fixture.Token);

        Assert.Equal(GitDeliveryStatus.Delivered, export.Outcome.Status);
        Assert.Equal(["0001-Edit-a-drop-old.patch", "0002-Add-docs-and-a-binary.patch"], export.Patches.Select(p => p.Name));
        Assert.Equal(["Edit a, drop old", "Add docs and a binary"], export.Subjects);
        Assert.Equal(export.Patches.SelectMany(p => p.Content), export.CombinedMbox);
        Assert.Equal(
            [
                new FileStatistics("docs/new file.md", 2, 0, false),
                new FileStatistics("logo.bin", 0, 0, true),
                new FileStatistics("old.txt", 0, 1, false),
                new FileStatistics("src/a.txt", 2, 1, false),
            ],
            export.Statistics.Files);
        Assert.Equal((4, 4, 2), (export.Statistics.FilesChanged, export.Statistics.Insertions, export.Statistics.Deletions));

        // The combined mbox is what an operator downloads: git am on the base must give the work's tree.
        var check = await fixture.Sandbox.CloneAsync(bare, "check");
        await DeliveryFixture.Git(check, "checkout", "--quiet", "--detach", baseCommit);
        var mboxFile = Path.Combine(fixture.Sandbox.Root, "combined.mbox");
        await File.WriteAllBytesAsync(mboxFile, export.CombinedMbox, fixture.Token);
        await DeliveryFixture.Git(check, "am", "--quiet", "--3way", "--keep-cr", mboxFile);
        Assert.Equal(workTree, await DeliveryFixture.Git(check, "rev-parse", "HEAD^{tree}"));
        Assert.Equal(baseCommit, await DeliveryFixture.Git(bare, "rev-parse", "refs/heads/main"));
        Assert.Equal(string.Empty, await DeliveryFixture.Git(bare, "branch", "--list", "agent/*"));
    }

    [Fact]
    public async Task ExportPatches_EmptySeries_NothingToDeliver()
    {
        using var fixture = new DeliveryFixture();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", new Dictionary<string, string> { ["a"] = "a\n" });

        var export = await fixture.Delivery.ExportPatchesAsync(DeliveryFixture.Remote(bare), Array.Empty<byte>(), baseCommit, fixture.Token);

        Assert.Equal(GitDeliveryStatus.NothingToDeliver, export.Outcome.Status);
        Assert.Empty(export.Patches);
        Assert.Empty(export.CombinedMbox);
    }
}
