using DevServer.Delivery.Preflight;

namespace DevServer.Delivery.Tests.Preflight;

/// <summary>The gate on series that real git produced: modified files, several hunks, renames, deletions, binaries.</summary>
public sealed class RealSeriesTests
{
    [Fact]
    public async Task Scan_ModifiedFileSeveralHunks_OnlyAddedLinesWithNewLineNumbers()
    {
        using var sandbox = GitSandbox.Create();
        var original = string.Join('\n', Enumerable.Range(1, 30).Select(i => $"line {i}")) + "\n";
        var removedSecret = "ghp_" + Mbox.Fake(36, 50);
        var (bare, baseCommit) = await sandbox.CreateRemoteAsync("app", new Dictionary<string, string>
        {
            ["src/app.txt"] = original.Replace("line 20\n", $"old = {removedSecret}\n", StringComparison.Ordinal),
            ["old-name.txt"] = "renamed\n",
            ["gone.txt"] = "deleted\n",
        });
        var addedEarly = "ghp_" + Mbox.Fake(36, 51);
        var addedLate = "sk_live_" + Mbox.Fake(24, 52);
        var lines = original.TrimEnd('\n').Split('\n').ToList();
        lines[19] = "line 20 without the token";
        lines.Insert(2, $"early = {addedEarly}");
        lines.Add($"late = {addedLate}");
        var clone = await sandbox.CloneAsync(bare, "work");
        await GitSandbox.CommitAsync(clone, new Dictionary<string, string?> { ["src/app.txt"] = string.Join('\n', lines) + "\n", ["gone.txt"] = null }, "Edit");
        await GitSandbox.GitAsync(clone, "mv", "old-name.txt", "new name.txt");
        await GitSandbox.GitAsync(clone, "commit", "--quiet", "-m", "Rename");
        var series = await sandbox.FormatPatchAsync(clone, baseCommit);

        var report = PreflightGate.Scan(series, new PreflightOptions());

        Assert.Equal(
            [(PreflightRules.GitHubToken, "src/app.txt", 3), (PreflightRules.StripeKey, "src/app.txt", 32)],
            report.Findings.Select(f => (f.RuleId, f.File, f.Line)));
        Assert.DoesNotContain(addedEarly[4..], report.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(addedLate[8..], report.ToString(), StringComparison.Ordinal);

        var deniedRenamed = PreflightGate.Scan(series, new PreflightOptions { Paths = new PathRuleOptions { Denied = ["new name.txt", "gone.txt"] } });
        Assert.Equal(
            [(PreflightRules.DeniedPath, "gone.txt"), (PreflightRules.DeniedPath, "new name.txt")],
            deniedRenamed.Findings.Where(f => f.RuleId == PreflightRules.DeniedPath).Select(f => (f.RuleId, f.File)));
    }

    [Fact]
    public async Task Scan_BinaryFile_CountedNotReadAsText()
    {
        using var sandbox = GitSandbox.Create();
        var (bare, baseCommit) = await sandbox.CreateRemoteAsync("bin", new Dictionary<string, string> { ["README.md"] = "hi\n" });
        var clone = await sandbox.CloneAsync(bare, "work");
#pragma warning disable CA5394 // Not security: random bytes that compress badly make a large binary patch.
        var bytes = new byte[50_000];
        new Random(7).NextBytes(bytes);
#pragma warning restore CA5394
        await File.WriteAllBytesAsync(Path.Combine(clone, "blob.bin"), bytes, TestContext.Current.CancellationToken);
        await GitSandbox.CommitAsync(clone, new Dictionary<string, string?>(), "Add a binary");
        var series = await sandbox.FormatPatchAsync(clone, baseCommit);
        Assert.Contains("GIT binary patch", GitSandbox.Text(series), StringComparison.Ordinal);

        Assert.True(PreflightGate.Scan(series, new PreflightOptions()).Passed);
        var limited = PreflightGate.Scan(series, new PreflightOptions { Limits = new SizeLimitOptions { MaxFileBytes = 40_000 } });
        var finding = Assert.Single(limited.Findings);
        Assert.Equal((PreflightRules.FileBytes, "blob.bin"), (finding.RuleId, finding.File));
        Assert.Contains("50000 bytes", finding.Preview, StringComparison.Ordinal);
    }
}
