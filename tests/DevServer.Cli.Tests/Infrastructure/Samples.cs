using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using Google.Protobuf.WellKnownTypes;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli.Tests.Infrastructure;

/// <summary>Tasks, runs and events with fixed values, for output that can be compared exactly.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset Start = new(2026, 11, 21, 10, 15, 0, TimeSpan.Zero);

    public static Timestamp At(int seconds) => Timestamp.FromDateTimeOffset(Start.AddSeconds(seconds));

    public static AgentTask Task(long id = 7, TaskStatus status = TaskStatus.Running) => new()
    {
        Id = id,
        RepositoryId = 1,
        Repository = "demo-calc",
        Title = "Implement calc.multiply",
        Description = "Add multiply(a, b).\nWith a docstring.",
        Acceptance = "The tests pass.",
        Priority = 2,
        Vendor = "script",
        BaseBranch = "main",
        BaseCommit = "0123456789abcdef0123456789abcdef01234567",
        Status = status,
        MaxAttempts = 2,
        AttemptsUsed = 1,
        AttemptTimeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(60)),
        Labels = { "demo", "python" },
        CreatedAt = At(0),
        UpdatedAt = At(90),
        LastEventSequence = 5,
    };

    public static Run FailedRun() => new()
    {
        Id = 31,
        TaskId = 7,
        Attempt = 1,
        WorkerId = "host-script",
        Vendor = "script",
        Outcome = RunOutcome.Failed,
        ExitCode = 0,
        Duration = Duration.FromTimeSpan(TimeSpan.FromSeconds(2.5)),
        CommitCount = 1,
        Error = "verification failed at test",
        Verification = new Verification
        {
            Passed = false,
            FailedStage = "test",
            ExitCode = 1,
            OutputTail = "FAIL: test_multiply\nAssertionError: 9 != 20\n",
            Duration = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
        },
        StartedAt = At(10),
        FinishedAt = At(20),
    };

    public static TaskEvent Event(long sequence, int attempt, Action<TaskEvent> kind)
    {
        var taskEvent = new TaskEvent { TaskId = 7, Sequence = sequence, Position = 100 + sequence, Time = At((int)sequence), Attempt = attempt };
        kind(taskEvent);
        return taskEvent;
    }

    public static TaskEvent StatusChange(long sequence, TaskStatus from, TaskStatus to, int attempt = 0, string reason = "") =>
        Event(sequence, attempt, e => e.StatusChanged = new StatusChanged { From = from, To = to, Reason = reason });

    public static TaskEvent Output(long sequence, int attempt, string text, OutputSource source = OutputSource.Agent, StageKind stage = StageKind.Unspecified, bool stderr = false) =>
        Event(sequence, attempt, e => e.OutputLine = new OutputLine { Source = source, Stage = stage, Text = text, Stderr = stderr });
}
