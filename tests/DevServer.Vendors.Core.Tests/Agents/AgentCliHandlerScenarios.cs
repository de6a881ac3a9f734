using System.Diagnostics;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Tests.Git;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Core.Tests.Agents;

/// <summary>
/// The kit's agent handler end to end with one vendor's CLI: a real git repository, the real process runner and the
/// vendor's fake CLI (tests/FakeAgentClis) replaying its captured outputs, the scenario a marker in the task. The
/// scenarios every vendor must pass are written here once (linked as source into the vendor test projects); a
/// vendor's handler tests derive from this, say how its CLI is built and where its command line puts the prompt and
/// the resume, and add the scenarios only that vendor has.
/// </summary>
public abstract class AgentCliHandlerScenarios(string vendor) : IDisposable
{
    protected const int TimeoutMs = 60_000;

    protected static CancellationToken TestToken => TestContext.Current.CancellationToken;

    protected string WorkspaceRoot { get; } = TempFolder.Create($"{vendor}-workspace");

    protected string Worktree => Path.Combine(WorkspaceRoot, "worktrees", "task-42");

    protected string RunDirectory => Path.Combine(WorkspaceRoot, "runs", "task-42");

    /// <summary>The session id the fake announces in its <c>hang</c> scenario before it hangs.</summary>
    protected abstract string HangingSessionId { get; }

    /// <summary>The fake's scenario whose first run fails and can be resumed, the resumed run succeeding.</summary>
    protected abstract ResumeScenario Resumable { get; }

    /// <summary>Exactly what the CLI gets from the sidecar on subscription billing: no key, only what the vendor always sets.</summary>
    protected abstract IReadOnlyDictionary<string, string> SubscriptionEnvironment { get; }

    /// <summary>When the fake's subscription usage limit resets, counted from the run's start.</summary>
    protected abstract (TimeSpan Earliest, TimeSpan Latest) UsageLimitResets { get; }

    /// <summary>Whether the handler is told the CLI runs as root; null detects it.</summary>
    protected virtual bool? RunsAsRoot => null;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_CliHangsAndIgnoresInterrupt_InterruptedThenKilledWithinTheTimeout()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();
        var work = Work(origin, "[fake:hang]");
        work.Agent.Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(2));
        var watch = Stopwatch.StartNew();

        var result = (await Handler(TimeSpan.FromSeconds(1)).RunAsync(work, reporter, TestToken)).Agent;

        Assert.Equal(AgentOutcome.TimedOut, result.Outcome);
        Assert.False(result.HasExitCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(20));
        Assert.Contains(reporter.AgentStdout, line => line.Contains("fake_interrupted", StringComparison.Ordinal));
        Assert.Equal(HangingSessionId, result.SessionId);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_FailureThenResume_ResumesTheSameSessionWithThePriorWorkAndOnlyTheNewInformation()
    {
        var scenario = Resumable;
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var firstWork = Work(origin, scenario.Marker);
        firstWork.Agent.MaxTurns = scenario.MaxTurns;
        var firstReporter = new RecordingReporter();

        var first = (await Handler().RunAsync(firstWork, firstReporter, TestToken)).Agent;

        Assert.Equal((AgentOutcome.Failed, scenario.FirstErrorKind), (first.Outcome, first.ErrorKind));
        if (scenario.FirstExitCode is { } exitCode)
        {
            Assert.Equal(exitCode, first.ExitCode);
        }

        if (scenario.FirstRetries is { } retries)
        {
            Assert.Equal(retries, firstReporter.Of(AgentActivity.KindOneofCase.VendorRetry).Count);
        }

        Assert.Equal(1, first.CommitCount);
        Assert.Matches("^[0-9a-f-]{36}$", first.SessionId);

        var secondWork = Work(origin, scenario.Marker);
        secondWork.Agent.ResumeSessionId = first.SessionId;
        secondWork.Agent.PriorWork = first.PatchSeries;
        secondWork.Agent.PreviousFailure = scenario.PreviousFailure;
        var reporter = new RecordingReporter();

        var second = (await Handler().RunAsync(secondWork, reporter, TestToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, second.Outcome);
        Assert.Equal(first.SessionId, second.SessionId);
        Assert.Equal(2, second.CommitCount);
        var argv = FakeAgentClis.Invocation(reporter.AgentStdout).Argv;
        var resume = ResumeArguments(first.SessionId);
        Assert.Contains(Enumerable.Range(0, argv.Count - resume.Count + 1), start => argv.Skip(start).Take(resume.Count).SequenceEqual(resume));
        var prompt = PromptOf(argv);
        Assert.DoesNotContain("# Greet", prompt, StringComparison.Ordinal);
        Assert.Contains(scenario.PreviousFailure, prompt, StringComparison.Ordinal);
        Assert.Contains("Continue", prompt, StringComparison.Ordinal);
        Assert.True(Assert.Single(reporter.Of(AgentActivity.KindOneofCase.SessionStarted)).SessionStarted.Resumed);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_SubscriptionUsageLimit_RateLimitedUntilTheResetCostsNothingAndPassesNoKey()
    {
        using var origin = await SourceRepository.CreateAsync(TestToken);
        var reporter = new RecordingReporter();
        var work = Work(origin, "[fake:usage-limit]");
        work.Agent.BillingMode = BillingMode.Subscription;
        var before = TimeProvider.System.GetUtcNow();

        var result = (await Handler().RunAsync(work, reporter, TestToken)).Agent;

        Assert.Equal((AgentOutcome.Failed, AgentErrorKind.RateLimited), (result.Outcome, result.ErrorKind));
        var (earliest, latest) = UsageLimitResets;
        Assert.InRange(result.RateLimitResetsAt.ToDateTimeOffset(), before + earliest, before + latest);
        Assert.Equal(0, result.CostUsd);
        Assert.Equal(RateLimitState.Rejected, Assert.Single(reporter.Of(AgentActivity.KindOneofCase.RateLimit)).RateLimit.State);
        Assert.Equal(SubscriptionEnvironment, FakeAgentClis.Invocation(reporter.AgentStdout).ChosenEnvironment);
    }

    /// <summary>The vendor's CLI, running the program at <paramref name="cliPath"/> (the vendor's fake when null).</summary>
    protected abstract IAgentCli Cli(string? cliPath = null);

    /// <summary>How the vendor's command line resumes a session: these arguments, next to each other.</summary>
    protected abstract IReadOnlyList<string> ResumeArguments(string sessionId);

    /// <summary>Where the vendor's command line carries the prompt.</summary>
    protected abstract string PromptOf(IReadOnlyList<string> argv);

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            TempFolder.Delete(WorkspaceRoot);
        }
    }

    protected AgentCliHandler Handler(TimeSpan? gracePeriod = null, string? cliPath = null)
    {
        var options = new AgentCliOptions { GracePeriod = gracePeriod ?? TimeSpan.FromSeconds(5), RunsAsRoot = RunsAsRoot };
        return new AgentCliHandler(Cli(cliPath), new AgentPrompts(), new Workspace(WorkspaceRoot), Options.Create(options), TimeProvider.System,
            NullLogger<AgentCliHandler>.Instance);
    }

    private protected static Assignment Work(SourceRepository origin, string marker) => new()
    {
        AssignmentId = Guid.NewGuid().ToString(),
        TaskId = 42,
        Attempt = 1,
        Agent = new AgentWork
        {
            Repository = origin.Source,
            BaseBranch = "main",
            WorkBranch = "devserver/task-42",
            Task = new TaskBrief { TaskId = 42, Title = "Greet", Description = $"Say hello. {marker}", Acceptance = "It greets." },
            Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(30)),
        },
    };
}

/// <summary>A fake CLI's scenario whose first run fails resumably and whose resumed run succeeds.</summary>
/// <param name="Marker">The scenario's marker in the task (and in the previous failure, which a resumed prompt carries).</param>
/// <param name="MaxTurns">The first run's turn limit (0: none).</param>
/// <param name="FirstErrorKind">How the first run fails.</param>
/// <param name="FirstExitCode">The first run's exit code, when the vendor's is known.</param>
/// <param name="FirstRetries">The vendor retries the first run reports, when the fake shows some.</param>
public sealed record ResumeScenario(string Marker, int MaxTurns, AgentErrorKind FirstErrorKind, int? FirstExitCode = null, int? FirstRetries = null)
{
    /// <summary>What the orchestrator tells the resumed session, with the marker so the fake knows its scenario.</summary>
    public string PreviousFailure => $"The previous run failed ({FirstErrorKind}). {Marker}";
}
