using DevServer.Contracts.Work.V1;

namespace DevServer.Verifier.Tests;

/// <summary>
/// Stages the repository leaves to detection, and failures the base commit already has: a stage that fails the same way
/// on the base commit does not fail the verification; a new failure does, even when the base commit fails too.
/// </summary>
public sealed class BaselineAndDetectionTests
{
    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_StageFailsTheSameWayOnTheBaseCommit_PassesWithThePreExistingFailureNamed()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);

        var result = await scenario.RunAsync(
            scenario.Assignment(
                VerificationScenario.Stage(StageKind.Test, "echo 'FAILED tests/test_legacy.py::test_old - assert 1 == 2'; exit 1"),
                VerificationScenario.Stage(StageKind.Lint, "echo linted")),
            TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.Equal([StageKind.Test], result.PreExistingFailures);
        var test = Assert.Single(scenario.Reporter.Events, e => e.StageFinished?.Stage == StageKind.Test).StageFinished;
        Assert.True(test.Passed && test.PreExisting);
        Assert.Equal(1, test.ExitCode);
        Assert.Contains(scenario.Reporter.Events, e => e.StageStarted?.Stage == StageKind.Lint);
        // The base commit's outcome is cached for the next verification of the same commit.
        Assert.Single(Directory.GetFiles(Path.Combine(scenario.VerifierRoot, "baselines", scenario.BaseCommit)));
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_BaseCommitFailsDifferently_TheWorksFailureIsARegression()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);
        // Real python output on both sides: an import error on the base, a different one on the work.
        const string Imports = "if [ -f feature.txt ]; then python3 -c 'import feature_dependency'; else python3 -c 'import base_dependency'; fi";

        var result = await scenario.RunAsync(scenario.Assignment(VerificationScenario.Stage(StageKind.Test, Imports)), TestToken);

        Assert.Equal((VerifyOutcome.Failed, StageKind.Test), (result.Outcome, result.FailedStage));
        Assert.Empty(result.PreExistingFailures);
        Assert.Contains("feature_dependency", result.OutputTail, StringComparison.Ordinal);
        Assert.False(Assert.Single(scenario.Reporter.Events, e => e.StageFinished is not null).StageFinished.PreExisting);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("no-such-tool --build", 127)]
    [InlineData("./README.md", 126)]
    public async Task RunAsync_StagesCommandCannotRunOnEitherCommit_FailsRatherThanPreExisting(string command, int exitCode)
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);

        var result = await scenario.RunAsync(scenario.Assignment(VerificationScenario.Stage(StageKind.Build, command)), TestToken);

        Assert.Equal((VerifyOutcome.Failed, StageKind.Build, exitCode), (result.Outcome, result.FailedStage, result.ExitCode));
        Assert.Empty(result.PreExistingFailures);
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_StageLeftToDetection_RunsTheMakefileTargetAndSaysWhy()
    {
        using var scenario = await VerificationScenario.CreateAsync(
            TestToken, new Dictionary<string, string> { ["Makefile"] = "test:\n\t@echo tested by make\n" });

        var result = await scenario.RunAsync(
            scenario.Assignment(scenario.BaseCommit, [StageKind.Test], VerificationScenario.Stage(StageKind.Build, "echo built")),
            TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        var started = scenario.Reporter.Events.Where(e => e.StageStarted is not null).Select(e => e.StageStarted).ToList();
        Assert.Equal([StageKind.Build, StageKind.Test], started.Select(s => s.Stage));
        Assert.Equal("", started[0].DetectedFrom);
        Assert.Contains("make", started[1].Command, StringComparison.Ordinal);
        Assert.Contains("Makefile", started[1].DetectedFrom, StringComparison.Ordinal);
        Assert.Contains(scenario.Reporter.Events, e => e.OutputLine?.Text == "tested by make");
    }

    [Fact(Timeout = 60_000)]
    public async Task RunAsync_NothingToDetect_TheStageIsSkipped()
    {
        using var scenario = await VerificationScenario.CreateAsync(TestToken);

        var result = await scenario.RunAsync(scenario.Assignment(scenario.BaseCommit, [StageKind.Lint]), TestToken);

        Assert.Equal(VerifyOutcome.Passed, result.Outcome);
        Assert.DoesNotContain(scenario.Reporter.Events, e => e.StageStarted is not null);
    }
}
