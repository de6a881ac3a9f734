using System.Globalization;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Testing;

namespace DevServer.Verifier.Tests;

public sealed class VerificationHandlerTests
{
    // Prints the shell's pid and a background sleep's pid, then waits for the sleep.
    private const string SleepingTree = "echo $$; sleep 300 & echo $!; wait";

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_AllStagesPass_ReportsPassedAndRemovesTheCheckout()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);

        var result = await scenario.RunAsync(
            scenario.Assignment(
                VerificationScenario.Stage(StageKind.Pre, "test -f feature.txt"),
                VerificationScenario.Stage(StageKind.Build, "grep -q 'said the agent' README.md"),
                VerificationScenario.Stage(StageKind.Test, "cat feature.txt"),
                VerificationScenario.Stage(StageKind.Lint, "true")),
            TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Equal(StageKind.Unspecified, result.FailedStage);
        Assert.Equal(
            [StageKind.Pre, StageKind.Build, StageKind.Test, StageKind.Lint],
            scenario.Reporter.Events.Where(e => e.KindCase == WorkEvent.KindOneofCase.StageStarted).Select(e => e.StageStarted.Stage));
        Assert.All(
            scenario.Reporter.Events.Where(e => e.KindCase == WorkEvent.KindOneofCase.StageFinished),
            e => Assert.True(e.StageFinished.Passed && e.StageFinished.ExitCode == 0 && !e.StageFinished.TimedOut));
        Assert.False(Directory.Exists(scenario.CheckoutPath));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_TestStageFails_ReportsFailedWithItsTailAndNeverStartsLint()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);
        var noise = string.Concat(Enumerable.Repeat("x", 5000));

        var result = await scenario.RunAsync(
            scenario.Assignment(
                VerificationScenario.Stage(StageKind.Build, "echo built"),
                VerificationScenario.Stage(StageKind.Test, $"{VerificationScenario.OnlyOnTheWork} echo {noise}; echo '1 test failed'; exit 3"),
                VerificationScenario.Stage(StageKind.Lint, "echo linted")),
            TestToken);

        Assert.Equal(VerifyOutcome.Failed, result.Outcome);
        Assert.Equal(StageKind.Test, result.FailedStage);
        Assert.Equal(3, result.ExitCode);
        Assert.False(result.TimedOut);
        Assert.Equal(3000, result.OutputTail.Length);
        Assert.EndsWith("1 test failed\n", result.OutputTail, StringComparison.Ordinal);
        Assert.DoesNotContain(scenario.Reporter.Events, e => e.StageStarted?.Stage == StageKind.Lint);
        var finished = Assert.Single(scenario.Reporter.Events, e => e.StageFinished?.Stage == StageKind.Test).StageFinished;
        Assert.False(finished.Passed);
        Assert.Equal(3, finished.ExitCode);
        Assert.False(Directory.Exists(scenario.CheckoutPath));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_FailingStageWritesToStandardError_TailHoldsIt()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);

        var result = await scenario.RunAsync(
            scenario.Assignment(VerificationScenario.Stage(StageKind.Lint, $"{VerificationScenario.OnlyOnTheWork} echo 'style violation' >&2; exit 1")),
            TestToken);

        Assert.Equal(VerifyOutcome.Failed, result.Outcome);
        Assert.Equal(StageKind.Lint, result.FailedStage);
        Assert.Equal("style violation\n", result.OutputTail);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_StageRunsPastItsTimeout_ReportsTimedOutAndItsTreeIsGone()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);

        var result = await scenario.RunAsync(
            scenario.Assignment(
                VerificationScenario.Stage(StageKind.Test, SleepingTree, TimeSpan.FromSeconds(2)),
                VerificationScenario.Stage(StageKind.Lint, "true")),
            TestToken);

        Assert.Equal(VerifyOutcome.Failed, result.Outcome);
        Assert.Equal(StageKind.Test, result.FailedStage);
        Assert.True(result.TimedOut);
        Assert.False(result.HasExitCode);
        var finished = Assert.Single(scenario.Reporter.Events, e => e.StageFinished is not null).StageFinished;
        Assert.True(finished.TimedOut);
        Assert.False(finished.HasExitCode);
        AssertGone(scenario.Reporter, StageKind.Test);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_StageLeavesABackgroundProcess_ItIsKilledWhenTheStageEnds()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);

        var result = await scenario.RunAsync(
            scenario.Assignment(VerificationScenario.Stage(StageKind.Test, "echo $$; sleep 300 >/dev/null 2>&1 & echo $!")),
            TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        AssertGone(scenario.Reporter, StageKind.Test);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_PatchDoesNotApply_ReportsPreparationFailedAndRunsNoStage()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);
        var moved = await scenario.Source.CommitAsync("README.md", "line one\nline two, said the maintainer\n", "Conflicting change", TestToken);

        var result = await scenario.RunAsync(scenario.Assignment(moved, VerificationScenario.Stage(StageKind.Test, "true")), TestToken);

        Assert.Equal(VerifyOutcome.PreparationFailed, result.Outcome);
        Assert.Contains("does not apply", result.OutputTail, StringComparison.Ordinal);
        Assert.Contains("README.md", result.OutputTail, StringComparison.Ordinal);
        Assert.DoesNotContain(scenario.Reporter.Events, e => e.StageStarted is not null);
        Assert.False(Directory.Exists(scenario.CheckoutPath));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_UnknownBaseCommit_ReportsPreparationFailed()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);

        var result = await scenario.RunAsync(scenario.Assignment(new string('b', 40), VerificationScenario.Stage(StageKind.Test, "true")), TestToken);

        Assert.Equal(VerifyOutcome.PreparationFailed, result.Outcome);
        Assert.Contains(new string('b', 40), result.OutputTail, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_Cancelled_ReportsCancelledAndTheStageTreeIsGone()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestToken);

        var run = scenario.RunAsync(
            scenario.Assignment(
                VerificationScenario.Stage(StageKind.Test, SleepingTree, TimeSpan.FromMinutes(5)),
                VerificationScenario.Stage(StageKind.Lint, "true")),
            cancellation.Token);
        try
        {
            await scenario.Reporter.WaitForAsync(events => events.Sum(e => OutputOf(e, StageKind.Test).Count()) == 2, TestToken);
        }
        finally
        {
            // Also when the wait failed: the stage must not outlive the test.
            await cancellation.CancelAsync();
        }

        var result = await run;

        Assert.Equal(VerifyOutcome.Cancelled, result.Outcome);
        Assert.DoesNotContain(scenario.Reporter.Events, e => e.StageStarted?.Stage == StageKind.Lint);
        AssertGone(scenario.Reporter, StageKind.Test);
        Assert.False(Directory.Exists(scenario.CheckoutPath));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_OutputLines_ArriveInOrderBetweenTheirStagesStartAndFinish()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);
        var longLine = new string('é', 3000);

        await scenario.RunAsync(
            scenario.Assignment(
                VerificationScenario.Stage(StageKind.Build, "for i in $(seq 1 50); do echo build$i; done; echo warning >&2"),
                VerificationScenario.Stage(StageKind.Test, $"for i in $(seq 1 50); do echo test$i; done; echo {longLine}")),
            TestToken);

        // Each stream is in order; the two streams are read side by side, so only each line's stage is fixed for stderr.
        var stageEvents = scenario.Reporter.Events.Where(e => e.OutputLine?.Source != OutputSource.Worker).ToList();
        var expected = new List<string> { "started Build" };
        expected.AddRange(Enumerable.Range(1, 50).Select(i => $"Build out build{i}"));
        expected.Add("finished Build");
        expected.Add("started Test");
        expected.AddRange(Enumerable.Range(1, 50).Select(i => $"Test out test{i}"));
        expected.Add($"Test out {new string('é', 2048)}");
        expected.Add("finished Test");
        Assert.Equal(expected, stageEvents.Where(e => e.OutputLine is not { Stderr: true }).Select(Describe));
        var described = stageEvents.Select(Describe).ToList();
        var warning = described.IndexOf("Build err warning");
        Assert.InRange(warning, described.IndexOf("started Build") + 1, described.IndexOf("finished Build") - 1);
        Assert.All(stageEvents.Where(e => e.OutputLine is not null), e => Assert.Equal(OutputSource.Verifier, e.OutputLine.Source));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_StageEnvironment_IsScrubbedOfTheVerifiersSecrets()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);
        Environment.SetEnvironmentVariable("DEVSERVER_VERIFIER_TEST_TOKEN", "secret");

        var result = await scenario.RunAsync(
            scenario.Assignment(VerificationScenario.Stage(StageKind.Test, "test -z \"$DEVSERVER_VERIFIER_TEST_TOKEN\" && test -n \"$PATH\"")),
            TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
    }

    private static string Describe(WorkEvent e) => e.KindCase switch
    {
        WorkEvent.KindOneofCase.StageStarted => $"started {e.StageStarted.Stage}",
        WorkEvent.KindOneofCase.StageFinished => $"finished {e.StageFinished.Stage}",
        WorkEvent.KindOneofCase.OutputLine => $"{e.OutputLine.Stage} {(e.OutputLine.Stderr ? "err" : "out")} {e.OutputLine.Text}",
        _ => e.KindCase.ToString(),
    };

    private static IEnumerable<string> OutputOf(WorkEvent e, StageKind stage) =>
        e.OutputLine is { } line && line.Stage == stage && line.Source == OutputSource.Verifier ? [line.Text] : [];

    // The stage printed its shell's and its sleep's pids; both must have ended (the kill reached the whole tree).
    private static void AssertGone(RecordingReporter reporter, StageKind stage)
    {
        var pids = reporter.Events.SelectMany(e => OutputOf(e, stage)).Select(text => int.Parse(text, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, pids.Count);
        Assert.All(pids, pid => Assert.True(ProcFs.StartTime(pid) is not { } started || !ProcFs.IsRunning(pid, started), $"process {pid} still runs"));
    }
}
