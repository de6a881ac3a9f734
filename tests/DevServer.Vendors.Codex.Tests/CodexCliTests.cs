using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Tests.Agents;

namespace DevServer.Vendors.Codex.Tests;

public sealed class CodexCliTests
{
    [Fact]
    public void BuildCommand_ApiKeyBilling_PassesTheKeyAsBothVariables()
    {
        var command = Codex.Cli().BuildCommand(AgentCliFixtures.Run(BillingMode.ApiKey));

        Assert.Equal("codex", command.FileName);
        Assert.Equal(["exec", "--json", "--skip-git-repo-check", "-C", "/work/tree", "-s", "workspace-write", "Fix the bug"], command.Arguments);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["CODEX_HOME"] = "/home/sidecar/.codex",
                ["OPENAI_API_KEY"] = "sk-test",
                ["OPENAI_BASE_URL"] = "https://proxy.example/v1",
                ["CODEX_API_KEY"] = "sk-test",
            },
            command.Environment);
        Assert.Empty(command.Files);
    }

    [Fact]
    public void BuildCommand_SubscriptionBilling_PassesNoKeyButTheLoginHome()
    {
        var environment = new Dictionary<string, string>(Codex.KeyEnvironment) { ["CODEX_API_KEY"] = "sk-codex" };

        var command = Codex.Cli(environment: environment).BuildCommand(AgentCliFixtures.Run(BillingMode.Subscription));

        Assert.Equal(new Dictionary<string, string> { ["CODEX_HOME"] = "/home/sidecar/.codex" }, command.Environment);
    }

    [Fact]
    public void BuildCommand_CodexApiKeySet_WinsOverOpenAiKeyForCodexApiKey()
    {
        var environment = new Dictionary<string, string> { ["OPENAI_API_KEY"] = "sk-openai", ["CODEX_API_KEY"] = "sk-codex" };

        var command = Codex.Cli(environment: environment).BuildCommand(AgentCliFixtures.Run());

        Assert.Equal(new Dictionary<string, string> { ["OPENAI_API_KEY"] = "sk-openai", ["CODEX_API_KEY"] = "sk-codex" }, command.Environment);
    }

    [Fact]
    public void BuildCommand_ModelInstructionsAndResume_KeepTheOptionsBeforeResume()
    {
        var run = AgentCliFixtures.Run(model: "gpt-5.1-codex", resume: "019c8143-abe2-7722-9bd1-fd70f687175b", instructions: "Say \"done\".\nNever push.");

        var command = Codex.Cli().BuildCommand(run);

        Assert.Equal(
            ["exec", "--json", "--skip-git-repo-check", "-C", "/work/tree", "-m", "gpt-5.1-codex", "-s", "workspace-write",
             "-c", "developer_instructions=\"Say \\\"done\\\".\\nNever push.\"",
             "resume", "019c8143-abe2-7722-9bd1-fd70f687175b", "Fix the bug"],
            command.Arguments);
    }

    [Fact]
    public void BuildCommand_DangerFullAccess_BypassesTheSandbox()
    {
        var command = Codex.Cli(new CodexOptions { Sandbox = CodexSandbox.DangerFullAccess, CliPath = "/usr/local/bin/codex" }).BuildCommand(AgentCliFixtures.Run());

        Assert.Equal("/usr/local/bin/codex", command.FileName);
        Assert.Equal(["exec", "--json", "--skip-git-repo-check", "-C", "/work/tree", "--dangerously-bypass-approvals-and-sandbox", "Fix the bug"], command.Arguments);
    }

    [Fact]
    public void BuildCommand_MaxTurns_HasNoEffectBecauseCodexHasNoLimit()
    {
        var limited = Codex.Cli().BuildCommand(AgentCliFixtures.Run(maxTurns: 5));
        var unlimited = Codex.Cli().BuildCommand(AgentCliFixtures.Run(maxTurns: 0));

        Assert.Equal(unlimited.Arguments, limited.Arguments);
        Assert.Equal(unlimited.Environment, limited.Environment);
    }

    [Fact]
    public void BuildCommand_PromptStartingWithDash_FollowsDoubleDash()
    {
        var command = Codex.Cli().BuildCommand(AgentCliFixtures.Run(prompt: "- tests failed", resume: "t1"));

        Assert.Equal(["resume", "t1", "--", "- tests failed"], command.Arguments.TakeLast(4));
    }

    [Fact]
    public void BuildCommand_UnspecifiedBilling_UsesTheConfiguredDefault()
    {
        var command = Codex.Cli(new CodexOptions { DefaultBillingMode = BillingMode.Subscription }).BuildCommand(AgentCliFixtures.Run(BillingMode.Unspecified));

        Assert.DoesNotContain("OPENAI_API_KEY", command.Environment.Keys);
        Assert.DoesNotContain("CODEX_API_KEY", command.Environment.Keys);
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("true", "\"true\"")]
    [InlineData("[x]\ttab\\", "\"[x]\\ttab\\\\\"")]
    [InlineData("bell\u0007", "\"bell\\u0007\"")]
    public void TomlString_QuotesAndEscapes(string text, string expected)
    {
        Assert.Equal(expected, CodexCli.TomlString(text));
    }

    [Theory]
    [InlineData(BillingMode.ApiKey, "OPENAI_API_KEY")]
    [InlineData(BillingMode.Subscription, "`codex login`")]
    public void AuthenticationFix_NamesWhatToFixForTheBillingMode(BillingMode billing, string fix)
    {
        Assert.Contains(fix, Codex.Cli().AuthenticationFix(AgentCliFixtures.Run(billing)), StringComparison.Ordinal);
    }

    [Fact]
    public void Description_ResumesAndReportsCost()
    {
        var description = Codex.Cli(new CodexOptions { Models = ["gpt-5-codex"], DefaultBillingMode = BillingMode.Subscription }).Description;

        Assert.Equal("codex", description.Vendor);
        Assert.Equal(["gpt-5-codex"], description.Models);
        Assert.True(description.ResumesSessions);
        Assert.True(description.ReportsCost);
        Assert.Equal(BillingMode.Subscription, description.DefaultBillingMode);
    }
}
