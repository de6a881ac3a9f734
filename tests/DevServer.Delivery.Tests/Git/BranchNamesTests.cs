using DevServer.Delivery.Git;

namespace DevServer.Delivery.Tests.Git;

public sealed class BranchNamesTests
{
    [Theory]
    [InlineData(42, "Fix login bug", "agent/42-fix-login-bug")]
    [InlineData(7, "  Crème brûlée: über-fix!! ", "agent/7-creme-brulee-uber-fix")]
    [InlineData(9, "../../etc/passwd.lock", "agent/9-etc-passwd-lock")]
    [InlineData(10, "refs/heads/main @{-1} ~^:?*[\\", "agent/10-refs-heads-main-1")]
    [InlineData(11, "日本語のタイトル", "agent/11")]
    [InlineData(12, "", "agent/12")]
    [InlineData(13, "a..b .lock", "agent/13-a-b-lock")]
    public void ForTask_AnyTitle_SafeSlug(long taskId, string title, string expected) =>
        Assert.Equal(expected, BranchNames.ForTask(taskId, title));

    [Fact]
    public void ForTask_LongTitle_CutTo100WithoutTrailingHyphen()
    {
        var name = BranchNames.ForTask(123456, string.Join(' ', Enumerable.Repeat("word", 60)));

        Assert.True(name.Length <= 100, name);
        Assert.False(name.EndsWith('-'));
        Assert.True(BranchNames.IsAgentBranch(name));
    }

    [Theory]
    [InlineData("Fix login bug")]
    [InlineData("../../x.lock")]
    [InlineData("-leading dash")]
    [InlineData("@{upstream}")]
    [InlineData("tab\there\nnewline")]
    [InlineData("emoji 🚀 rocket")]
    public async Task ForTask_AnyTitle_GitAcceptsTheBranchName(string title)
    {
        var name = BranchNames.ForTask(5, title);

        var checkedName = await GitSandbox.TryGitAsync(Path.GetTempPath(), "check-ref-format", "--branch", name);
        Assert.Equal(0, checkedName.ExitCode);
        Assert.True(BranchNames.IsAgentBranch(name));
    }

    [Theory]
    [InlineData("main", false)]
    [InlineData("agent/", false)]
    [InlineData("agent/42-fix", true)]
    [InlineData("agent/42-Fix", false)]
    [InlineData("agent/../main", false)]
    [InlineData("agent/42-", false)]
    public void IsAgentBranch_Name_OnlyGeneratedShapes(string branch, bool expected) =>
        Assert.Equal(expected, BranchNames.IsAgentBranch(branch));

    [Fact]
    public void CommitMessage_TitleWithNewlines_OneSubjectLineAndBody() =>
        Assert.Equal("[task 42] Fix the login bug\n\nBody text.\n", BranchNames.CommitMessage(42, "Fix the\nlogin bug", "  Body text.\n"));
}
