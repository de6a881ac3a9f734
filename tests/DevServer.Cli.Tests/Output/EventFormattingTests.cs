using System.Text.Json;
using DevServer.Cli.Output;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using Google.Protobuf.WellKnownTypes;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli.Tests.Output;

public sealed class EventFormattingTests
{
    public static TheoryData<TaskEvent, string> Events => new()
    {
        {
            Samples.Event(6, 0, e => e.DeliveryStarted = new DeliveryStarted { Flow = DeliveryFlow.PullRequest }),
            "10:15:06      deliver    delivering (pr)"
        },
        {
            Samples.Event(7, 0, e => e.PreflightFinding = new PreflightFinding { Rule = "secret.github-token", File = "settings.yml", Line = 3, Preview = "token: ghp_****" }),
            "10:15:07      preflight  secret.github-token settings.yml:3: token: ghp_****"
        },
        {
            Samples.Event(8, 0, e => e.Delivered = new Delivered
            {
                Flow = DeliveryFlow.PullRequest, Branch = "agent/7-ship", Commit = "0123456789abcdef", PullRequestUrl = "https://git.example.com/acme/app/pulls/4",
            }),
            "10:15:08      delivered  pr to agent/7-ship @ 0123456789: https://git.example.com/acme/app/pulls/4"
        },
        {
            Samples.Event(9, 0, e => e.DeliveryFailed = new DeliveryFailed { Reason = "the forge refused the pull request: AuthFailed (HTTP 401)" }),
            "10:15:09      deliver    failed: the forge refused the pull request: AuthFailed (HTTP 401)"
        },
        {
            Samples.Event(1, 0, e => e.Created = new TaskCreated { Title = "Implement calc.multiply", Repository = "demo-calc" }),
            "10:15:01      created    \"Implement calc.multiply\" in demo-calc"
        },
        {
            Samples.StatusChange(2, TaskStatus.Pending, TaskStatus.Queued, reason: "enqueued"),
            "10:15:02      status     pending → queued (enqueued)"
        },
        {
            Samples.Event(3, 1, e => e.AttemptStarted = new AttemptStarted { WorkerId = "w-1", WorkerName = "host-script", Work = "agent", Vendor = "script" }),
            "10:15:03  #1  attempt    agent script on host-script"
        },
        {
            Samples.Event(3, 1, e => e.AttemptStarted = new AttemptStarted { WorkerId = "w-2", WorkerName = "host-verifier", Work = "verify" }),
            "10:15:03  #1  attempt    verification on host-verifier"
        },
        {
            Samples.Output(4, 1, "demo agent: hello"),
            "10:15:04  #1      agent | demo agent: hello"
        },
        {
            Samples.Output(5, 1, "FAIL: test_multiply", OutputSource.Verifier, StageKind.Test, stderr: true),
            "10:15:05  #1       test ! FAIL: test_multiply"
        },
        {
            Samples.Event(6, 1, e => e.AgentFinished = new AgentFinished
            {
                Outcome = RunOutcome.Succeeded, ExitCode = 0, CommitCount = 1, Duration = Duration.FromTimeSpan(TimeSpan.FromSeconds(2.5)),
            }),
            "10:15:06  #1  agent      succeeded (exit 0, 1 commit, 2.5s)"
        },
        {
            Samples.Event(7, 1, e => e.AgentFinished = new AgentFinished { Outcome = RunOutcome.Failed, CommitCount = 0, Error = "no changes" }),
            "10:15:07  #1  agent      failed (0 commits): no changes"
        },
        {
            Samples.Event(8, 1, e => e.StageStarted = new StageStarted { Stage = StageKind.Build, Command = "python3 -m py_compile calc.py" }),
            "10:15:08  #1  stage      build: python3 -m py_compile calc.py"
        },
        {
            Samples.Event(9, 1, e => e.StageFinished = new StageFinished
            {
                Stage = StageKind.Test, Passed = false, ExitCode = 1, Duration = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            }),
            "10:15:09  #1  stage      test failed (exit 1) in 1.0s"
        },
        {
            Samples.Event(10, 1, e => e.StageFinished = new StageFinished { Stage = StageKind.Lint, TimedOut = true }),
            "10:15:10  #1  stage      lint timed out"
        },
        {
            // As the verifier reports a failure the base commit shares: passed (not counted), with the failure's facts.
            Samples.Event(10, 1, e => e.StageFinished = new StageFinished
            {
                Stage = StageKind.Build, Passed = true, PreExisting = true, ExitCode = 2, Duration = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)),
            }),
            "10:15:10  #1  stage      build failed (exit 2) in 1.0s, as on the base commit (not counted)"
        },
        {
            Samples.Event(11, 1, e => e.RetryScheduled = new RetryScheduled { NextAttempt = 2, NotBefore = Samples.At(70), Reason = "test failed" }),
            "10:15:11  #1  retry      attempt 2 at 10:16:10 after: test failed"
        },
        {
            Samples.Event(12, 2, e => e.WorkerLost = new WorkerLost { WorkerId = "w-1", WorkerName = "host-script" }),
            "10:15:12  #2  lost       worker host-script disappeared"
        },
        {
            Samples.Event(13, 0, e => e.TaskUpdated = new TaskUpdated { Fields = { "title", "priority" } }),
            "10:15:13      updated    title, priority"
        },
        {
            Samples.Event(14, 1, e => e.AgentActivity = new AgentActivity { ToolCall = new ToolCall { CallId = "t1", Name = "Bash", Summary = "python3 -m unittest" } }),
            "10:15:14  #1  tool       Bash python3 -m unittest"
        },
        {
            Samples.Event(15, 1, e => e.AgentActivity = new AgentActivity { SessionStarted = new SessionStarted { SessionId = "s-1", Model = "sonnet" } }),
            "10:15:15  #1  session    started s-1 (sonnet)"
        },
        {
            Samples.Event(16, 1, e => e.AgentActivity = new AgentActivity
            {
                Report = new AgentReport
                {
                    ErrorKind = AgentErrorKind.MaxTurns, Turns = 3, CostUsd = 0.25, Message = "Reached maximum number of turns (3)",
                    Usage = new TokenUsage { InputTokens = 10, OutputTokens = 20 },
                },
            }),
            "10:15:16  #1  report     turn limit reached, 3 turns, $0.2500, 10 in, 20 out: Reached maximum number of turns (3)"
        },
        {
            Samples.Event(17, 1, e => e.VendorPaused = new VendorPaused
            {
                Vendor = "claude", Account = "claude", Until = Samples.At(3600), Reason = "usage limit reached",
            }),
            "10:15:17  #1  paused     claude gets no work until 2026-11-21 11:15:00: usage limit reached"
        },
        {
            Samples.Event(18, 2, e => e.FailedOver = new FailedOver
            {
                FromVendor = "claude", ToVendor = "gemini", ToModel = "pro", CarriedCommits = 2, Reason = "authentication failed",
            }),
            "10:15:18  #2  failover   claude → gemini/pro, carrying 2 commits: authentication failed"
        },
        {
            Samples.Event(19, 2, e => e.FailureClassified = new FailureClassified
            {
                Key = "python.import", Source = "verifier", Repeat = 1, Hint = "No module named 'billing' in app/main.py:3",
            }),
            "10:15:19  #2  class      python.import (verifier, recoverable): No module named 'billing' in app/main.py:3"
        },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void Line_EachKind_ReadsAsOneLine(TaskEvent taskEvent, string expected)
    {
        Assert.Equal(expected, EventFormatting.Line(taskEvent, TimeZoneInfo.Utc));
    }

    [Fact]
    public void Line_WithTask_PrefixesTheTaskId()
    {
        var line = EventFormatting.Line(Samples.StatusChange(2, TaskStatus.Queued, TaskStatus.Running, attempt: 1), TimeZoneInfo.Utc, withTask: true);

        Assert.Equal("task 7     10:15:02  #1  status     queued → running", line);
    }

    [Fact]
    public void Line_OtherZone_ShowsLocalTime()
    {
        var zone = TimeZoneInfo.CreateCustomTimeZone("plus2", TimeSpan.FromHours(2), "plus2", "plus2");

        Assert.StartsWith("12:15:02", EventFormatting.Line(Samples.StatusChange(2, TaskStatus.Queued, TaskStatus.Running), zone), StringComparison.Ordinal);
    }

    [Fact]
    public void FormatJson_Event_IsOneLineOfProtobufJsonWithDefaults()
    {
        var json = CliOutput.FormatJson(Samples.StatusChange(2, TaskStatus.Pending, TaskStatus.Queued));

        Assert.DoesNotContain('\n', json);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("7", root.GetProperty("taskId").GetString());
        Assert.Equal("2", root.GetProperty("sequence").GetString());
        Assert.Equal(0, root.GetProperty("attempt").GetInt32());
        Assert.Equal("2026-11-21T10:15:02Z", root.GetProperty("time").GetString());
        Assert.Equal("TASK_STATUS_QUEUED", root.GetProperty("statusChanged").GetProperty("to").GetString());
        Assert.Equal("", root.GetProperty("statusChanged").GetProperty("reason").GetString());
        Assert.False(root.TryGetProperty("outputLine", out _));
    }
}
