namespace DevServer.RepoInsight.Tests;

public sealed class GitIgnoreTests
{
    [Theory]
    [InlineData("*.log", "debug.log", false, true)]
    [InlineData("*.log", "logs/debug.log", false, true)]
    [InlineData("/build", "build", true, true)]
    [InlineData("/build", "src/build", true, null)]
    [InlineData("build/", "build", false, null)]
    [InlineData("build/", "src/build", true, true)]
    [InlineData("docs/*.md", "docs/a.md", false, true)]
    [InlineData("docs/*.md", "docs/sub/a.md", false, null)]
    [InlineData("**/cache", "a/b/cache", true, true)]
    [InlineData("**/cache", "cache", true, true)]
    [InlineData("out/**", "out/a/b.txt", false, true)]
    [InlineData("a/**/z", "a/z", false, true)]
    [InlineData("a/**/z", "a/b/c/z", false, true)]
    [InlineData("file?.txt", "file1.txt", false, true)]
    [InlineData("[abc].py", "b.py", false, true)]
    [InlineData("[!abc].py", "b.py", false, null)]
    [InlineData("\\#notes", "#notes", false, true)]
    [InlineData("# comment", "# comment", false, null)]
    public void Decide_Pattern_MatchesLikeGit(string pattern, string path, bool isDirectory, bool? expected)
    {
        Assert.Equal(expected, GitIgnore.Parse("", pattern).Decide(path, isDirectory));
    }

    [Fact]
    public void Decide_LaterNegation_ReincludesAndLaterPatternWins()
    {
        var ignore = GitIgnore.Parse("", "*.py\n!keep.py\n");

        Assert.Equal(true, ignore.Decide("drop.py", false));
        Assert.Equal(false, ignore.Decide("keep.py", false));
        Assert.Equal(true, GitIgnore.Parse("", "!keep.py\n*.py\n").Decide("keep.py", false));
    }
}
