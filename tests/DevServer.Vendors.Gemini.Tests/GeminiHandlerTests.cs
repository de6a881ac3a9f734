using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Tests.Agents;
using DevServer.Vendors.Core.Tests.Git;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Gemini.Tests;

/// <summary>
/// The kit's agent handler running <see cref="GeminiCli"/> end to end against the fake `gemini`: the scenarios every
/// vendor shares (<see cref="AgentCliHandlerScenarios"/>) and Gemini's own.
/// </summary>
public sealed class GeminiHandlerTests() : AgentCliHandlerScenarios(GeminiCli.Vendor)
{
    protected override string HangingSessionId => "abc123";

    // Gemini stops at the turn limit with exit code 53.
    protected override ResumeScenario Resumable => new("[fake:max-turns-then-resume]", MaxTurns: 1, AgentErrorKind.MaxTurns, FirstExitCode: 53);

    // The Google login in ~/.gemini: no key or Google variable, only the settings file and the workspace trust.
    protected override IReadOnlyDictionary<string, string> SubscriptionEnvironment => new Dictionary<string, string>
    {
        ["GEMINI_CLI_TRUST_WORKSPACE"] = "true",
        ["GEMINI_CLI_SYSTEM_SETTINGS_PATH"] = Path.Combine(RunDirectory, GeminiCli.SettingsFileName),
    };

    // The terminal quota's message says "reset after" some seconds.
    protected override (TimeSpan Earliest, TimeSpan Latest) UsageLimitResets => (TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(65));

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_Success_ChildGetsTheBuiltCommandAndTheWorkComesBack()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();
        var work = Work(origin, "[fake:success]");
        work.Agent.MaxTurns = 12;

        var result = (await Handler().RunAsync(work, reporter, TestToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Equal(1, result.CommitCount);
        Assert.Contains("fake-gemini-work.txt", result.PatchSeries.ToStringUtf8(), StringComparison.Ordinal);
        Assert.Equal("abc123", result.SessionId);
        Assert.Equal(2, result.Turns);
        Assert.Equal(200, result.Usage.OutputTokens);
        Assert.True(result.CostUsd > 0);

        var invocation = FakeAgentClis.Invocation(reporter.AgentStdout);
        var settingsFile = Path.Combine(RunDirectory, GeminiCli.SettingsFileName);
        Assert.Equal(Worktree, invocation.WorkingDirectory);
        Assert.Equal("-p", invocation.Argv[0]);
        Assert.StartsWith("# Greet", invocation.Argv[1], StringComparison.Ordinal);
        Assert.Equal(["--output-format", "stream-json", "--approval-mode", "yolo", "--skip-trust"], invocation.Argv.Skip(2));
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["GEMINI_API_KEY"] = "gm-key",
                ["GEMINI_CLI_TRUST_WORKSPACE"] = "true",
                ["GEMINI_CLI_SYSTEM_SETTINGS_PATH"] = settingsFile,
            },
            invocation.ChosenEnvironment);
        Assert.Equal("""{"model":{"maxSessionTurns":12},"security":{"auth":{"selectedType":"gemini-api-key"}}}""", await File.ReadAllTextAsync(settingsFile, TestToken));
        Assert.Equal(("Bash", "ls -la"), (reporter.Of(AgentActivity.KindOneofCase.ToolCall)[0].ToolCall.Name, reporter.Of(AgentActivity.KindOneofCase.ToolCall)[0].ToolCall.Summary));
        Assert.Equal("fake_invocation", Assert.Single(reporter.Of(AgentActivity.KindOneofCase.Unknown)).Unknown.Type);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_TerminalQuota_ExitCode173AndTheCliRetriesSeen()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();

        var result = (await Handler().RunAsync(Work(origin, "[fake:usage-limit]"), reporter, TestToken)).Agent;

        // 173 is HTTP 429 mod 256; the retries come from the CLI's stderr.
        Assert.Equal((AgentOutcome.Failed, AgentErrorKind.RateLimited, 173), (result.Outcome, result.ErrorKind, result.ExitCode));
        Assert.Equal(2, reporter.Of(AgentActivity.KindOneofCase.VendorRetry).Count);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_SubscriptionWithoutLogin_IsAuthenticationNamingTheLoginAndPassesNoKey()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();
        var work = Work(origin, "[fake:auth-error]");
        work.Agent.BillingMode = BillingMode.Subscription;

        var result = (await Handler().RunAsync(work, reporter, TestToken)).Agent;

        Assert.Equal((AgentOutcome.Failed, AgentErrorKind.Authentication, 41), (result.Outcome, result.ErrorKind, result.ExitCode));
        Assert.Contains("`gemini` as the sidecar's user", result.Error, StringComparison.Ordinal);
        var chosen = FakeAgentClis.Invocation(reporter.AgentStdout).ChosenEnvironment;
        Assert.DoesNotContain("GEMINI_API_KEY", chosen.Keys);
        Assert.DoesNotContain(chosen.Keys, name => name.StartsWith("GOOGLE_", StringComparison.Ordinal));
    }

    protected override IAgentCli Cli(string? cliPath = null) => new GeminiCli(
        Options.Create(new GeminiOptions { CliPath = cliPath ?? FakeAgentClis.Gemini }),
        new SidecarEnvironment(new Dictionary<string, string> { ["GEMINI_API_KEY"] = "gm-key", ["OPENAI_API_KEY"] = "not-ours" }),
        TimeProvider.System);

    protected override IReadOnlyList<string> ResumeArguments(string sessionId) => ["--resume", sessionId];

    // -p <prompt>, or --prompt=<prompt> for a prompt that starts with "-".
    protected override string PromptOf(IReadOnlyList<string> argv) => argv[0] == "-p" ? argv[1] : argv[0]["--prompt=".Length..];
}
