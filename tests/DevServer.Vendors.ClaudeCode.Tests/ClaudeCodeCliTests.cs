using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.ClaudeCode.Tests;

/// <summary>The exact command line and environment for each billing mode, for Anthropic and for GLM.</summary>
public sealed class ClaudeCodeCliTests
{
    // Everything a sidecar might have: only what the billing mode asks for may reach the CLI.
    private static readonly Dictionary<string, string> SidecarVariables = new(StringComparer.Ordinal)
    {
        ["ANTHROPIC_API_KEY"] = "sk-ant-key",
        ["ANTHROPIC_AUTH_TOKEN"] = "other-token",
        ["CLAUDE_CODE_OAUTH_TOKEN"] = "oauth-token",
        ["GLM_API_KEY"] = "zhipu-key",
        ["CLAUDECODE"] = "1",
    };

    private static readonly SidecarEnvironment Sidecar = new(SidecarVariables);

    [Fact]
    public void BuildCommand_ApiKeyMinimal_ExactArgumentsAndOnlyTheKey()
    {
        var command = Claude().BuildCommand(Run());

        Assert.Equal("claude", command.FileName);
        Assert.Equal(["-p", "--output-format", "stream-json", "--verbose", "--permission-mode", "bypassPermissions", "--", "Do it."], command.Arguments);
        Assert.Equal(new Dictionary<string, string> { ["ANTHROPIC_API_KEY"] = "sk-ant-key" }, command.Environment);
        Assert.Empty(command.Files);
    }

    [Fact]
    public void BuildCommand_EveryOption_InTheDocumentedOrder()
    {
        var run = Run() with
        {
            Model = "opus",
            MaxTurns = 12,
            Instructions = "Do not commit.",
            AllowedTools = ["Bash(git:*)", "Edit", "Read"],
            ResumeSessionId = "-starts-with-dash",
            Prompt = "--looks-like-a-flag",
        };

        var command = Claude().BuildCommand(run);

        Assert.Equal(
            ["-p", "--output-format", "stream-json", "--verbose", "--model", "opus", "--max-turns", "12", "--permission-mode", "bypassPermissions",
                "--append-system-prompt", "Do not commit.", "--allowedTools", "Bash(git:*),Edit,Read", "--resume=-starts-with-dash", "--", "--looks-like-a-flag"],
            command.Arguments);
    }

    [Fact]
    public void BuildCommand_DefaultModel_UsedWhenTheWorkNamesNone()
    {
        var cli = new ClaudeCodeCli(new ClaudeCodeProfile { Vendor = "claude", DefaultModel = "sonnet", CliPath = "/opt/claude" }, Sidecar);

        var command = cli.BuildCommand(Run());

        Assert.Equal("/opt/claude", command.FileName);
        Assert.Equal(["--model", "sonnet"], command.Arguments.Skip(4).Take(2));
    }

    [Fact]
    public void BuildCommand_Subscription_NoKeyVariablesOnlyTheOAuthToken()
    {
        var command = Claude().BuildCommand(Run(BillingMode.Subscription));

        Assert.Equal(new Dictionary<string, string> { ["CLAUDE_CODE_OAUTH_TOKEN"] = "oauth-token" }, command.Environment);
    }

    [Fact]
    public void BuildCommand_SubscriptionWithoutOAuthToken_EmptyEnvironment()
    {
        var cli = new ClaudeCodeCli(new ClaudeCodeProfile { Vendor = "claude" }, new SidecarEnvironment(new Dictionary<string, string> { ["ANTHROPIC_API_KEY"] = "sk" }));

        Assert.Empty(cli.BuildCommand(Run(BillingMode.Subscription)).Environment);
    }

    [Fact]
    public void BuildCommand_AsRoot_IsSandboxSet()
    {
        var command = Claude().BuildCommand(Run() with { RunsAsRoot = true });

        Assert.Equal(new Dictionary<string, string> { ["ANTHROPIC_API_KEY"] = "sk-ant-key", ["IS_SANDBOX"] = "1" }, command.Environment);
    }

    [Theory]
    [InlineData(BillingMode.ApiKey)]
    [InlineData(BillingMode.Subscription)]
    public void BuildCommand_Glm_EndpointTokenTimeoutsAndNeverTheAnthropicKey(BillingMode billing)
    {
        var command = Glm().BuildCommand(Run(billing) with { RunsAsRoot = true });

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["ANTHROPIC_BASE_URL"] = "https://api.z.ai/api/anthropic",
                ["ANTHROPIC_AUTH_TOKEN"] = "zhipu-key",
                ["API_TIMEOUT_MS"] = "3000000",
                ["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1",
                ["CLAUDE_CODE_MAX_RETRIES"] = "2",
                ["CLAUDE_CONFIG_DIR"] = "/work/run/claude-config",
                ["ANTHROPIC_DEFAULT_OPUS_MODEL"] = "glm-4.6",
                ["ANTHROPIC_DEFAULT_SONNET_MODEL"] = "glm-4.6",
                ["ANTHROPIC_DEFAULT_HAIKU_MODEL"] = "glm-4.5-air",
                ["IS_SANDBOX"] = "1",
            },
            command.Environment);
        Assert.Equal(["--model", "glm-4.6"], command.Arguments.Skip(4).Take(2));
    }

    [Fact]
    public void BuildCommand_GlmConfiguredEndpoint_UsesItsKeyVariableAndConfigFolder()
    {
        var profile = new ClaudeCodeProfile
        {
            Vendor = "glm",
            Glm = new GlmEndpoint
            {
                BaseUrl = new Uri("https://open.bigmodel.cn/api/anthropic"),
                ApiKeyVariable = "ZHIPU_API_KEY",
                ConfigDirectory = "/var/lib/glm",
                MaxRetries = 0,
            },
        };
        var cli = new ClaudeCodeCli(profile, new SidecarEnvironment(new Dictionary<string, string>(SidecarVariables) { ["ZHIPU_API_KEY"] = "cn-key" }));

        var environment = cli.BuildCommand(Run()).Environment;

        Assert.Equal(
            ("https://open.bigmodel.cn/api/anthropic", "cn-key", "/var/lib/glm", "0"),
            (environment["ANTHROPIC_BASE_URL"], environment["ANTHROPIC_AUTH_TOKEN"], environment["CLAUDE_CONFIG_DIR"], environment["CLAUDE_CODE_MAX_RETRIES"]));
        Assert.DoesNotContain("ANTHROPIC_API_KEY", environment.Keys);
    }

    [Fact]
    public void BuildCommand_NeverPassesClaudeCodeMarker()
    {
        foreach (var cli in new[] { Claude(), Glm() })
        {
            foreach (var billing in new[] { BillingMode.ApiKey, BillingMode.Subscription })
            {
                Assert.DoesNotContain("CLAUDECODE", cli.BuildCommand(Run(billing)).Environment.Keys);
            }
        }
    }

    [Fact]
    public void AuthenticationFix_EachBillingMode_NamesWhatToFix()
    {
        Assert.Contains("set ANTHROPIC_API_KEY", Claude().AuthenticationFix(Run()), StringComparison.Ordinal);
        Assert.Contains("claude /login", Claude().AuthenticationFix(Run(BillingMode.Subscription)), StringComparison.Ordinal);
        Assert.Contains("CLAUDE_CODE_OAUTH_TOKEN", Claude().AuthenticationFix(Run(BillingMode.Subscription)), StringComparison.Ordinal);
        Assert.Contains("set GLM_API_KEY", Glm().AuthenticationFix(Run()), StringComparison.Ordinal);
    }

    [Fact]
    public void Description_ResumesAndReportsCostWithTheProfilesModelsAndBilling()
    {
        var cli = new ClaudeCodeCli(new ClaudeCodeProfile { Vendor = "glm", Models = ["glm-4.6"], DefaultBillingMode = BillingMode.Subscription }, SidecarEnvironment.Empty);

        var description = cli.Description;

        Assert.Equal(("glm", true, true, BillingMode.Subscription), (description.Vendor, description.ResumesSessions, description.ReportsCost, description.DefaultBillingMode));
        Assert.Equal(["glm-4.6"], description.Models);
    }

    private static ClaudeCodeCli Claude() => new(new ClaudeCodeProfile { Vendor = "claude" }, Sidecar);

    private static ClaudeCodeCli Glm() => new(new ClaudeCodeProfile { Vendor = "glm", DefaultModel = "glm-4.6", Glm = new GlmEndpoint() }, Sidecar);

    private static AgentRunRequest Run(BillingMode billing = BillingMode.ApiKey) => Fixtures.Run(billing);
}
