namespace DevServer.RepoInsight.Tests;

public sealed class RepoGuidanceTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CollectAsync_KnownFiles_AreCombinedInPriorityOrderUnderHeadings()
    {
        using var repository = new TempRepository()
            .Write("CONTRIBUTING.md", "Sign the CLA.")
            .Write("AGENTS.md", "Run make test before committing.")
            .Write("CLAUDE.md", "Prefer small commits.")
            .Write("GEMINI.md", "Be brief.")
            .Write(".github/copilot-instructions.md", "Use tabs.")
            .Write(".cursorrules", "No emojis.")
            .Write(".cursor/rules/style.mdc", "Name things well.")
            .Write("services/api/AGENTS.md", "The API uses FastAPI.")
            .Write("docs/AGENTS.md", "Not on the way to services/api.");

        var guidance = await RepoGuidance.CollectAsync(repository.Root, 10_000, "services/api", Token);

        Assert.Equal(
            ["services/api/AGENTS.md", "AGENTS.md", "CLAUDE.md", "GEMINI.md", ".github/copilot-instructions.md", ".cursorrules", ".cursor/rules/style.mdc", "CONTRIBUTING.md"],
            guidance.Files.Select(f => f.Path));
        Assert.StartsWith("## services/api/AGENTS.md\nThe API uses FastAPI.\n\n## AGENTS.md\nRun make test before committing.\n", guidance.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Not on the way", guidance.Text, StringComparison.Ordinal);
        Assert.False(guidance.Truncated);
    }

    [Fact]
    public async Task CollectAsync_OverBudget_CutsAtALineAndMarksIt()
    {
        var long_ = string.Join("\n", Enumerable.Range(1, 200).Select(i => $"Rule number {i}: keep it simple."));
        using var repository = new TempRepository().Write("AGENTS.md", long_).Write("CLAUDE.md", "Second file.");

        var guidance = await RepoGuidance.CollectAsync(repository.Root, 1_000, null, Token);

        Assert.True(guidance.Text.Length <= 1_000, guidance.Text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(guidance.Truncated);
        Assert.Matches(@"… \(truncated: \d+ of \d+ characters\)\n", guidance.Text);
        // The cut is at a line's end: every rule line shown is whole.
        Assert.All(guidance.Text.Split('\n').Where(l => l.StartsWith("Rule", StringComparison.Ordinal)), l => Assert.EndsWith("keep it simple.", l));
        Assert.Equal(0, guidance.Files.Single(f => f.Path == "CLAUDE.md").IncludedCharacters);
    }

    [Fact]
    public async Task CollectAsync_CopyOfAnEarlierFile_IsLeftOut()
    {
        using var repository = new TempRepository().Write("AGENTS.md", "Same words.").Write("CLAUDE.md", "Same words.");

        var guidance = await RepoGuidance.CollectAsync(repository.Root, 10_000, null, Token);

        Assert.Equal("## AGENTS.md\nSame words.\n", guidance.Text);
        Assert.Equal("same content as an earlier file", guidance.Files[1].Skipped);
    }

    [Fact]
    public async Task CollectAsync_NoGuidanceFiles_GivesEmptyText()
    {
        using var repository = new TempRepository().Write("README.md", "Just a readme.");

        var guidance = await RepoGuidance.CollectAsync(repository.Root, 10_000, null, Token);

        Assert.Equal("", guidance.Text);
        Assert.Empty(guidance.Files);
    }
}
