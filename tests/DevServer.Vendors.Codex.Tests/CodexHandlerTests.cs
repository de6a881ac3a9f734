using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Tests.Agents;
using DevServer.Vendors.Core.Tests.Git;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Codex.Tests;

/// <summary>
/// The kit's agent handler running <see cref="CodexCli"/> end to end against the fake `codex`: the scenarios every
/// vendor shares (<see cref="AgentCliHandlerScenarios"/>) and Codex's own.
/// </summary>
public sealed class CodexHandlerTests() : AgentCliHandlerScenarios(CodexCli.Vendor)
{
    protected override string HangingSessionId => "019c8143-abe2-7722-9bd1-fd70f687175b";

    // Codex has no turn limit: its resumable failure is a rate-limited turn (exit code 1) after two reconnects.
    protected override ResumeScenario Resumable => new("[fake:failure-then-resume]", MaxTurns: 0, AgentErrorKind.RateLimited, FirstExitCode: 1, FirstRetries: 2);

    // Neither OPENAI_API_KEY nor CODEX_API_KEY: only the ChatGPT login in CODEX_HOME (unset here, so ~/.codex).
    protected override IReadOnlyDictionary<string, string> SubscriptionEnvironment => new Dictionary<string, string>();

    // The fake names a local time two minutes ahead, to the minute.
    protected override (TimeSpan Earliest, TimeSpan Latest) UsageLimitResets => (TimeSpan.FromSeconds(59), TimeSpan.FromMinutes(3));

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_Success_ChildGetsTheBuiltCommandAndTheWorkComesBack()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();
        var work = Work(origin, "[fake:success]");
        work.Agent.Model = "gpt-5-codex";

        var result = (await Handler().RunAsync(work, reporter, TestToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Equal(1, result.CommitCount);
        Assert.Contains("fake-codex-work.txt", result.PatchSeries.ToStringUtf8(), StringComparison.Ordinal);
        Assert.Equal("019c8143-abe2-7722-9bd1-fd70f687175b", result.SessionId);
        Assert.Equal(((2381 * 1.25) + (28288 * 0.125) + (205 * 10.0)) / 1_000_000, result.CostUsd, 12);

        var invocation = FakeAgentClis.Invocation(reporter.AgentStdout);
        Assert.Equal(Worktree, invocation.WorkingDirectory);
        Assert.Equal(["exec", "--json", "--skip-git-repo-check", "-C", Worktree, "-m", "gpt-5-codex", "-s", "workspace-write", "-c"], invocation.Argv.Take(10));
        Assert.StartsWith("developer_instructions=\"You work unattended", invocation.Argv[10], StringComparison.Ordinal);
        Assert.StartsWith("# Greet", invocation.Argv[11], StringComparison.Ordinal);
        Assert.Equal(12, invocation.Argv.Count);
        Assert.Equal(new Dictionary<string, string> { ["OPENAI_API_KEY"] = "sk-test", ["CODEX_API_KEY"] = "sk-test" }, invocation.ChosenEnvironment);
        Assert.Equal(3, reporter.Of(AgentActivity.KindOneofCase.ToolCall).Count);
        Assert.All(reporter.Of(AgentActivity.KindOneofCase.ToolResult), r => Assert.True(r.ToolResult.Ok));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_ResumeAnsweredWithANewThread_FailsSessionNotFound()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var work = Work(origin, "[fake:resume-new-thread]");
        work.Agent.ResumeSessionId = "019a0000-dead-7000-8000-000000000000";

        var result = (await Handler().RunAsync(work, new RecordingReporter(), TestToken)).Agent;

        Assert.Equal((AgentOutcome.Failed, AgentErrorKind.SessionNotFound), (result.Outcome, result.ErrorKind));
        Assert.Equal(string.Empty, result.SessionId);
    }

    protected override IAgentCli Cli(string? cliPath = null) => new CodexCli(
        Options.Create(new CodexOptions { CliPath = cliPath ?? FakeAgentClis.Codex }),
        new SidecarEnvironment(new Dictionary<string, string> { ["OPENAI_API_KEY"] = "sk-test", ["GEMINI_API_KEY"] = "not-ours" }),
        TimeProvider.System);

    protected override IReadOnlyList<string> ResumeArguments(string sessionId) => ["resume", sessionId];

    // The last argument, after the options (and "--" when it starts with "-").
    protected override string PromptOf(IReadOnlyList<string> argv) => argv[^1];
}
