using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Tests.Agents;

namespace DevServer.Vendors.Gemini.Tests;

public sealed class GeminiCliTests
{
    private const string SettingsFile = "/work/runs/7/gemini-system-settings.json";

    [Fact]
    public void BuildCommand_ApiKeyBilling_PassesTheKeysAndPinsApiKeyAuth()
    {
        var command = Gemini.Cli().BuildCommand(AgentCliFixtures.Run(BillingMode.ApiKey, maxTurns: 25));

        Assert.Equal("gemini", command.FileName);
        Assert.Equal(["-p", "Fix the bug", "--output-format", "stream-json", "--approval-mode", "yolo", "--skip-trust"], command.Arguments);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["GEMINI_CLI_TRUST_WORKSPACE"] = "true",
                ["GEMINI_CLI_SYSTEM_SETTINGS_PATH"] = SettingsFile,
                ["GEMINI_API_KEY"] = "gm-key",
                ["GOOGLE_API_KEY"] = "g-key",
                ["GOOGLE_CLOUD_PROJECT"] = "proj",
                ["GOOGLE_APPLICATION_CREDENTIALS"] = "/secrets/adc.json",
            },
            command.Environment);
        Assert.Equal(
            new Dictionary<string, string>
            {
                [SettingsFile] = """{"model":{"maxSessionTurns":25},"security":{"auth":{"selectedType":"gemini-api-key"}}}""",
            },
            command.Files);
    }

    [Fact]
    public void BuildCommand_SubscriptionBilling_PassesNoKeyAndPinsTheGoogleLogin()
    {
        var command = Gemini.Cli().BuildCommand(AgentCliFixtures.Run(BillingMode.Subscription));

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["GEMINI_CLI_TRUST_WORKSPACE"] = "true",
                ["GEMINI_CLI_SYSTEM_SETTINGS_PATH"] = SettingsFile,
            },
            command.Environment);
        Assert.DoesNotContain(command.Environment.Keys, name => name.StartsWith("GOOGLE_", StringComparison.Ordinal) || name == "GEMINI_API_KEY");
        Assert.DoesNotContain("GEMINI_CLI_HOME", command.Environment.Keys);
        Assert.Equal("""{"model":{"maxSessionTurns":-1},"security":{"auth":{"selectedType":"oauth-personal"}}}""", command.Files[SettingsFile]);
    }

    [Fact]
    public void BuildCommand_ModelAndResume_AreAddedInPlace()
    {
        var command = Gemini.Cli().BuildCommand(AgentCliFixtures.Run(model: "gemini-2.5-flash", resume: "6f1c2b9e-1111-4222-8333-444455556666", maxTurns: 3));

        Assert.Equal(
            ["-p", "Fix the bug", "--output-format", "stream-json", "-m", "gemini-2.5-flash", "--approval-mode", "yolo", "--skip-trust",
             "--resume", "6f1c2b9e-1111-4222-8333-444455556666"],
            command.Arguments);
        Assert.Equal("""{"model":{"maxSessionTurns":3},"security":{"auth":{"selectedType":"gemini-api-key"}}}""", command.Files[SettingsFile]);
    }

    [Fact]
    public void BuildCommand_SettingsFile_IsInTheRunDirectoryNotTheWorktree()
    {
        var run = AgentCliFixtures.Run();

        var command = Gemini.Cli().BuildCommand(run);

        var file = Assert.Single(command.Files).Key;
        Assert.StartsWith(run.RunDirectory + "/", file, StringComparison.Ordinal);
        Assert.False(file.StartsWith(run.WorkingDirectory, StringComparison.Ordinal));
    }

    [Fact]
    public void BuildCommand_VertexConfigured_PinsVertexAuth()
    {
        var environment = new Dictionary<string, string> { ["GOOGLE_GENAI_USE_VERTEXAI"] = "true", ["GOOGLE_CLOUD_PROJECT"] = "p", ["GOOGLE_CLOUD_LOCATION"] = "us-central1" };

        var command = Gemini.Cli(environment: environment).BuildCommand(AgentCliFixtures.Run());

        Assert.Equal("true", command.Environment["GOOGLE_GENAI_USE_VERTEXAI"]);
        Assert.Equal("us-central1", command.Environment["GOOGLE_CLOUD_LOCATION"]);
        Assert.Contains("\"selectedType\":\"vertex-ai\"", command.Files[SettingsFile], StringComparison.Ordinal);
    }

    [Fact]
    public void BuildCommand_UnspecifiedBilling_UsesTheConfiguredDefault()
    {
        var cli = Gemini.Cli(new GeminiOptions { DefaultBillingMode = BillingMode.Subscription, CliPath = "/opt/gemini/bin/gemini" });

        var command = cli.BuildCommand(AgentCliFixtures.Run(BillingMode.Unspecified));

        Assert.Equal("/opt/gemini/bin/gemini", command.FileName);
        Assert.DoesNotContain("GEMINI_API_KEY", command.Environment.Keys);
    }

    [Fact]
    public void BuildCommand_Instructions_AreLeftToThePrompt()
    {
        var command = Gemini.Cli().BuildCommand(AgentCliFixtures.Run(instructions: "Never push."));

        Assert.Equal("Fix the bug", command.Arguments[1]);
        Assert.DoesNotContain(command.Arguments, argument => argument.Contains("Never push", StringComparison.Ordinal));
        Assert.DoesNotContain("GEMINI_SYSTEM_MD", command.Environment.Keys);
    }

    [Theory]
    [InlineData(BillingMode.ApiKey, "GEMINI_API_KEY")]
    [InlineData(BillingMode.Subscription, "`gemini` as the sidecar's user")]
    public void AuthenticationFix_NamesWhatToFixForTheBillingMode(BillingMode billing, string fix)
    {
        var sentence = Gemini.Cli().AuthenticationFix(AgentCliFixtures.Run(billing));

        Assert.Contains(fix, sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildCommand_PromptStartingWithDash_IsOneOptionValue()
    {
        var command = Gemini.Cli().BuildCommand(AgentCliFixtures.Run(prompt: "- tests failed: 3"));

        Assert.Equal(["--prompt=- tests failed: 3", "--output-format", "stream-json", "--approval-mode", "yolo", "--skip-trust"], command.Arguments);
    }

    [Fact]
    public void Description_OffersTheConfiguredModels()
    {
        var description = Gemini.Cli(new GeminiOptions { Models = ["gemini-2.5-pro"] }).Description;

        Assert.Equal(new Core.Agents.AgentCliDescription("gemini", description.Models, ResumesSessions: true, ReportsCost: true), description);
        Assert.Equal(BillingMode.Subscription, Gemini.Cli(new GeminiOptions { DefaultBillingMode = BillingMode.Subscription }).Description.DefaultBillingMode);
        Assert.Equal(["gemini-2.5-pro"], description.Models);
        Assert.Equal(GeminiOptions.DefaultModels, Gemini.Cli().Description.Models);
    }
}
