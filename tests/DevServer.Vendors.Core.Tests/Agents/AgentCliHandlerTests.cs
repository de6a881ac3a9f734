using DevServer.Contracts.Work.V1;
using DevServer.Vendors.ClaudeCode;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Tests.Git;
using Google.Protobuf;

namespace DevServer.Vendors.Core.Tests.Agents;

/// <summary>
/// The kit's agent-CLI handler end to end with Claude Code's command builder and parser and the fake `claude`: the
/// scenarios every vendor shares (<see cref="AgentCliHandlerScenarios"/>), and the kit's own behaviour (prior work,
/// cancellation, garbage lines, exit code against report), which one vendor is enough to show.
/// </summary>
public sealed class AgentCliHandlerTests() : AgentCliHandlerScenarios("agent")
{
    private readonly SidecarEnvironment _sidecarEnvironment = new(new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ANTHROPIC_API_KEY"] = "sk-ant-test",
        ["ANTHROPIC_AUTH_TOKEN"] = "must-not-pass",
        ["CLAUDECODE"] = "1",
    });

    protected override string HangingSessionId => "1d1e46f9-35c7-4834-b529-846d5bb82288";

    protected override ResumeScenario Resumable => new("[fake:max-turns-then-resume]", MaxTurns: 1, AgentErrorKind.MaxTurns);

    // The claude.ai login only (no OAuth token in this sidecar's environment); IS_SANDBOX as the CLI runs as root.
    protected override IReadOnlyDictionary<string, string> SubscriptionEnvironment => new Dictionary<string, string> { ["IS_SANDBOX"] = "1" };

    // The fake's rate_limit_event names a reset within the minute.
    protected override (TimeSpan Earliest, TimeSpan Latest) UsageLimitResets => (TimeSpan.Zero, TimeSpan.FromMinutes(1));

    // Claude Code refuses bypass mode as root without IS_SANDBOX=1: the environment tests expect it set.
    protected override bool? RunsAsRoot => true;

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_Success_CommitsThePatchAndReportsTypedActivitiesAndTheResult()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();

        var result = (await Handler().RunAsync(Work(origin, "[fake:success]"), reporter, TestToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Equal(AgentErrorKind.Unspecified, result.ErrorKind);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(1, result.CommitCount);
        Assert.Contains("fake-claude-work.txt", result.PatchSeries.ToStringUtf8(), StringComparison.Ordinal);
        Assert.Equal("40e7b02d-c0f9-4876-9010-f514d4eb0603", result.SessionId);
        Assert.Equal(2, result.Turns);
        Assert.Equal(0.24722425, result.CostUsd, 8);
        Assert.Equal(424, result.Usage.OutputTokens);

        Assert.Equal("40e7b02d-c0f9-4876-9010-f514d4eb0603", Assert.Single(reporter.Of(AgentActivity.KindOneofCase.SessionStarted)).SessionStarted.SessionId);
        var call = Assert.Single(reporter.Of(AgentActivity.KindOneofCase.ToolCall)).ToolCall;
        Assert.Equal(("Bash", "ls -la"), (call.Name, call.Summary));
        Assert.True(Assert.Single(reporter.Of(AgentActivity.KindOneofCase.ToolResult)).ToolResult.Ok);
        var report = Assert.Single(reporter.Of(AgentActivity.KindOneofCase.Report)).Report;
        Assert.True(report.Success);

        // Every raw line is streamed, the fake's own first line included, and that unknown event is kept as such.
        Assert.Equal(5, reporter.AgentStdout.Count);
        Assert.Equal("fake_invocation", Assert.Single(reporter.Of(AgentActivity.KindOneofCase.Unknown)).Unknown.Type);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_ApiKeyBillingAsRoot_ChildGetsExactlyTheBuiltEnvironmentAndArguments()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();
        var work = Work(origin, "[fake:success]");
        work.Agent.Model = "sonnet";
        work.Agent.MaxTurns = 7;
        work.Agent.AllowedTools.Add("Bash");

        var result = (await Handler().RunAsync(work, reporter, TestToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        var invocation = FakeAgentClis.Invocation(reporter.AgentStdout);
        Assert.Equal(new Dictionary<string, string> { ["ANTHROPIC_API_KEY"] = "sk-ant-test", ["IS_SANDBOX"] = "1" }, invocation.ChosenEnvironment);
        Assert.Equal(Worktree, invocation.WorkingDirectory);
        Assert.Equal(["-p", "--output-format", "stream-json", "--verbose", "--model", "sonnet", "--max-turns", "7", "--permission-mode", "bypassPermissions"],
            invocation.Argv.Take(10));
        Assert.Equal(["--allowedTools", "Bash", "--"], invocation.Argv.Skip(12).Take(3));
        Assert.StartsWith("# Greet", invocation.Argv[^1], StringComparison.Ordinal);
        Assert.Contains("Do not commit", invocation.Argv[^1], StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_ApiRateLimit_FailsRateLimitedThenTheNextAttemptSucceeds()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);

        var first = (await Handler().RunAsync(Work(origin, "[fake:rate-limit-then-success]"), new RecordingReporter(), TestToken)).Agent;
        var second = (await Handler().RunAsync(Work(origin, "[fake:rate-limit-then-success]"), new RecordingReporter(), TestToken)).Agent;

        Assert.Equal((AgentOutcome.Failed, AgentErrorKind.RateLimited, 1), (first.Outcome, first.ErrorKind, first.ExitCode));
        Assert.Null(first.RateLimitResetsAt);
        Assert.Contains("rate-limited", first.Error, StringComparison.Ordinal);
        Assert.Equal(AgentOutcome.Succeeded, second.Outcome);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_AuthenticationError_ErrorNamesTheVariableAndTheLogin()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();

        var result = (await Handler().RunAsync(Work(origin, "[fake:auth-error]"), reporter, TestToken)).Agent;

        Assert.Equal((AgentOutcome.Failed, AgentErrorKind.Authentication), (result.Outcome, result.ErrorKind));
        Assert.Contains("ANTHROPIC_API_KEY", result.Error, StringComparison.Ordinal);
        Assert.Contains("claude /login", result.Error, StringComparison.Ordinal);
        Assert.Contains("Invalid API key", result.Error, StringComparison.Ordinal);
        Assert.Equal(2, reporter.Of(AgentActivity.KindOneofCase.VendorRetry).Count);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_Cancelled_StopsTheCliAndReportsCancelled()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestToken);
        cancel.CancelAfter(TimeSpan.FromSeconds(2));

        var result = (await Handler(TimeSpan.FromMilliseconds(200)).RunAsync(Work(origin, "[fake:hang]"), new RecordingReporter(), cancel.Token)).Agent;

        Assert.Equal(AgentOutcome.Cancelled, result.Outcome);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_GarbageAndTruncatedLines_SurviveAsRawLinesAndNoticesAndTheRunSucceeds()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();

        var result = (await Handler().RunAsync(Work(origin, "[fake:garbage-then-success]"), reporter, TestToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Contains("[SandboxDebug] not json at all", reporter.AgentStdout);
        Assert.Contains("{not json}", reporter.AgentStdout);
        Assert.Equal(2, reporter.Of(AgentActivity.KindOneofCase.Notice).Count);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_LineOverOneMegabyte_IsParsedWhole()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();

        var result = (await Handler().RunAsync(Work(origin, "[fake:long-line]"), reporter, TestToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        var text = reporter.Of(AgentActivity.KindOneofCase.Text).Select(a => a.Text.Text).First();
        Assert.Equal(new string('x', AgentAttempt.MaxTextBytes), text);
        Assert.Empty(reporter.Of(AgentActivity.KindOneofCase.Notice));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_PriorWork_IsAppliedBeforeTheCliStartsAndKeptInTheSeries()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var prior = await PriorWorkAsync(origin, "prior.txt", "from the primary vendor\n");
        var work = Work(origin, "[fake:success]");
        work.Agent.PriorWork = prior;

        var result = (await Handler().RunAsync(work, new RecordingReporter(), TestToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Equal(2, result.CommitCount);
        var worktree = Worktree;
        Assert.Equal("from the primary vendor\n", await File.ReadAllTextAsync(Path.Combine(worktree, "prior.txt"), TestToken));
        Assert.Contains("prior.txt", result.PatchSeries.ToStringUtf8(), StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_PriorWorkDoesNotApply_PreparationFailedWithTheReason()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var work = Work(origin, "[fake:success]");
        work.Agent.PriorWork = ByteString.CopyFromUtf8("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nSubject: broken\n\nnot a patch\n");

        var result = (await Handler().RunAsync(work, new RecordingReporter(), TestToken)).Agent;

        Assert.Equal(AgentOutcome.PreparationFailed, result.Outcome);
        Assert.Contains("prior work", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_NoResultLine_FailsCrashed()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);

        var result = (await Handler().RunAsync(Work(origin, "[fake:no-result]"), new RecordingReporter(), TestToken)).Agent;

        Assert.Equal((AgentOutcome.Failed, AgentErrorKind.Crashed), (result.Outcome, result.ErrorKind));
        Assert.Contains("without a final report", result.Error, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_ReportsErrorButExitsZero_FailedByTheReport()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);

        var result = (await Handler().RunAsync(Work(origin, "[fake:auth-error-exit-0]"), new RecordingReporter(), TestToken)).Agent;

        Assert.Equal((AgentOutcome.Failed, AgentErrorKind.Authentication, 0), (result.Outcome, result.ErrorKind, result.ExitCode));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_ReportsSuccessButExitsNonZero_SucceededWithANoticeAndTheExitCode()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();

        var result = (await Handler().RunAsync(Work(origin, "[fake:success-exit-1]"), reporter, TestToken)).Agent;

        Assert.Equal((AgentOutcome.Succeeded, 1, 1), (result.Outcome, result.ExitCode, result.CommitCount));
        Assert.Contains("exited with code 1", Assert.Single(reporter.Of(AgentActivity.KindOneofCase.Notice)).Notice.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_MissingCli_FailsNamingIt()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var handler = Handler(cliPath: Path.Combine(WorkspaceRoot, "no-such-claude"));

        var result = (await handler.RunAsync(Work(origin, "[fake:success]"), new RecordingReporter(), TestToken)).Agent;

        Assert.Equal((AgentOutcome.Failed, AgentErrorKind.InvalidRequest), (result.Outcome, result.ErrorKind));
        Assert.Contains("no-such-claude", result.Error, StringComparison.Ordinal);
    }

    protected override IAgentCli Cli(string? cliPath = null) =>
        new ClaudeCodeCli(new ClaudeCodeProfile { Vendor = "claude", CliPath = cliPath ?? FakeAgentClis.Claude }, _sidecarEnvironment);

    protected override IReadOnlyList<string> ResumeArguments(string sessionId) => [$"--resume={sessionId}"];

    // After "--", whatever it starts with.
    protected override string PromptOf(IReadOnlyList<string> argv) => argv[^1];

    // A patch series on main as another sidecar would send it: one commit adding a file.
    private async Task<ByteString> PriorWorkAsync(SourceRepository origin, string file, string content)
    {
        var workspace = new Workspace(Path.Combine(WorkspaceRoot, "other"));
        var prepared = await workspace.PrepareWorktreeAsync(origin.Source, "main", string.Empty, "prior", null, null, TestToken);
        await File.WriteAllTextAsync(Path.Combine(prepared.Path, file), content, TestToken);
        await workspace.CommitAllAsync(prepared.Path, "prior work", TestToken);
        var series = await workspace.FormatPatchAsync(prepared.Path, prepared.BaseCommit, TestToken);
        return ByteString.CopyFrom(series.Mbox);
    }
}
