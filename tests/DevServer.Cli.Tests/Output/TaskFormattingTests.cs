using DevServer.Cli.Output;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli.Tests.Output;

public sealed class TaskFormattingTests
{
    [Fact]
    public void List_Tasks_AlignsColumns()
    {
        var other = Samples.Task(12, TaskStatus.Done);
        other.Title = "Fix the parser";
        other.Repository = "parser";
        other.Model = "opus";

        var text = TaskFormatting.List([Samples.Task(), other], TimeZoneInfo.Utc);

        Assert.Equal(
            "ID  STATUS   PRI  REPOSITORY  VENDOR       ATTEMPTS  UPDATED              TITLE\n" +
            "7   running  2    demo-calc   script       1/2       2026-11-21 10:16:30  Implement calc.multiply\n" +
            "12  done     2    parser      script/opus  1/2       2026-11-21 10:16:30  Fix the parser\n",
            text);
    }

    [Fact]
    public void List_NoTasks_SaysSo()
    {
        Assert.Equal("No tasks.\n", TaskFormatting.List([], TimeZoneInfo.Utc));
    }

    [Fact]
    public void Show_TaskWithFailedRun_ShowsFieldsTextsAndTheFailure()
    {
        var task = Samples.Task(status: TaskStatus.Queued);
        task.StatusReason = "retrying after: test failed";

        var text = TaskFormatting.Show(task, [Samples.FailedRun()], TimeZoneInfo.Utc);

        Assert.StartsWith("Task 7: Implement calc.multiply\n  status        queued (retrying after: test failed)\n", text, StringComparison.Ordinal);
        Assert.Contains("  repository    demo-calc (id 1)\n", text, StringComparison.Ordinal);
        Assert.Contains("  branch        main @ 0123456789\n", text, StringComparison.Ordinal);
        Assert.Contains("  attempts      1 of 2 used\n", text, StringComparison.Ordinal);
        Assert.Contains("  timeout       1h per attempt\n", text, StringComparison.Ordinal);
        Assert.Contains("  labels        demo, python\n", text, StringComparison.Ordinal);
        Assert.Contains("  turns         the orchestrator's default\n", text, StringComparison.Ordinal);
        Assert.Contains("  billing       the sidecar's default\n", text, StringComparison.Ordinal);
        Assert.Contains("\nDescription:\n  Add multiply(a, b).\n  With a docstring.\n", text, StringComparison.Ordinal);
        Assert.Contains("\nAcceptance:\n  The tests pass.\n", text, StringComparison.Ordinal);
        Assert.Contains(
            "ATTEMPT  OUTCOME  VENDOR  WORKER       EXIT  TURNS  COST   DURATION  COMMITS  VERIFICATION          STARTED\n" +
            "#1       failed   script  host-script  0     0      $0.00  2.5s      1        test failed (exit 1)  2026-11-21 10:15:10\n" +
            "#1 error: verification failed at test\n" +
            "#1 test output (tail):\n" +
            "    FAIL: test_multiply\n" +
            "    AssertionError: 9 != 20\n",
            text,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Show_AgentSettingsAndARateLimitedRun_ShowsBackupTurnsBillingAndTheGivenBackAttempt()
    {
        var task = Samples.Task(status: TaskStatus.Queued);
        task.BackupVendor = "gemini";
        task.BackupModel = "pro";
        task.OnBackup = true;
        task.TurnLimit = new TurnLimit { Unlimited = true };
        task.BillingMode = BillingMode.Subscription;
        task.AllowedTools.Add("Bash(git:*)");
        var run = Samples.FailedRun();
        run.Verification = null;
        run.Error = "Claude usage limit reached";
        run.ErrorKind = AgentErrorKind.RateLimited;
        run.AttemptGivenBack = true;
        run.Usage = new TokenUsage { InputTokens = 1200, OutputTokens = 300 };

        var text = TaskFormatting.Show(task, [run], TimeZoneInfo.Utc);

        Assert.Contains("  vendor        script (replaced by its backup)\n", text, StringComparison.Ordinal);
        Assert.Contains("  backup        gemini/pro (working on it)\n", text, StringComparison.Ordinal);
        Assert.Contains("  turns         unlimited\n", text, StringComparison.Ordinal);
        Assert.Contains("  billing       subscription\n", text, StringComparison.Ordinal);
        Assert.Contains("  allowed tools Bash(git:*)\n", text, StringComparison.Ordinal);
        Assert.Contains("#1 error [rate limited] (attempt given back): Claude usage limit reached\n", text, StringComparison.Ordinal);
        Assert.Contains("#1 tokens: 1200 in, 300 out\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_None_SaysSo()
    {
        Assert.Equal("No attempts yet.\n", TaskFormatting.Runs([], TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData(true, "", "passed in 1.0s")]
    [InlineData(false, "apply", "apply failed")]
    public void Verification_Outcome_ReadsShort(bool passed, string failedStage, string expected)
    {
        var verification = new Verification { Passed = passed, FailedStage = failedStage, Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) };

        Assert.Equal(expected, TaskFormatting.Verification(verification));
    }
}
