using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Pipeline.Testing;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Pipeline.Tests;

/// <summary>
/// The agent-CLI sidecars end to end: the claude and gemini sidecars run the fake CLIs of tests/FakeAgentClis (which
/// replay recorded real output; the scenario is a marker in the task's description) against a real orchestrator and
/// verifier. Rate limits give the attempt back, a usage limit pauses the account, a turn limit resumes the session, and
/// an authentication failure fails over to the backup vendor, which finishes the task.
/// </summary>
public sealed class AgentVendorTests
{
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(2);

    // The fake CLIs append to fake-<vendor>-work.txt when they succeed: the verification checks that some agent did.
    private const string AgentWorkExists = "ls fake-*-work.txt";

    [Fact]
    public async Task AuthenticationFails_OnClaude_BackupGeminiFinishesTheTask()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await StartAsync("failover", ct);
        var created = await CreateAsync(host, "[fake:claude=auth-error] [fake:gemini=success]", request =>
        {
            request.Vendor = "claude";
            request.BackupVendor = "gemini";
            request.MaxAttempts = 3;
        }, ct);

        var finished = await host.WaitForStatusAsync(created.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal(TaskStatus.Done, finished.Task.Status);
        Assert.True(finished.Task.OnBackup);
        Assert.Equal(["claude", "gemini"], finished.Runs.Select(r => r.Vendor));
        Assert.Equal(AgentErrorKind.Authentication, finished.Runs[0].ErrorKind);
        Assert.Contains("ANTHROPIC_API_KEY", finished.Runs[0].Error, StringComparison.Ordinal);
        var events = await host.ReadEventsAsync(created.Id, ct);
        var failover = Assert.Single(events, e => e.FailedOver is not null).FailedOver;
        Assert.Equal(("claude", "gemini"), (failover.FromVendor, failover.ToVendor));
        // Typed activity from both vendors reached the task's events.
        Assert.Contains(events, e => e.Attempt == 1 && e.AgentActivity?.Report is { Success: false, ErrorKind: AgentErrorKind.Authentication });
        Assert.Contains(events, e => e.Attempt == 2 && e.AgentActivity?.SessionStarted is not null);
        Assert.Contains(events, e => e.Attempt == 2 && e.AgentActivity?.ToolCall is not null);
        // The backup's agent is not told about the primary vendor's credentials: that says nothing about the work.
        var backupInvocation = Assert.Single(events, e => e.Attempt == 2 && e.AgentActivity?.Unknown is { Type: "fake_invocation" });
        Assert.DoesNotContain("ANTHROPIC_API_KEY", backupInvocation.AgentActivity.Unknown.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RateLimited_ThenSuccess_TheAttemptIsGivenBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await StartAsync("ratelimit", ct);
        var created = await CreateAsync(host, "[fake:rate-limit-then-success]", request =>
        {
            request.Vendor = "claude";
            request.MaxAttempts = 1;
        }, ct);

        var finished = await host.WaitForStatusAsync(created.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal(TaskStatus.Done, finished.Task.Status);
        Assert.Equal(2, finished.Runs.Count);
        Assert.Equal((AgentErrorKind.RateLimited, true), (finished.Runs[0].ErrorKind, finished.Runs[0].AttemptGivenBack));
        Assert.Equal(1, finished.Task.AttemptsUsed);
        var retry = Assert.Single(await host.ReadEventsAsync(created.Id, ct), e => e.RetryScheduled is not null).RetryScheduled;
        Assert.True(retry.AttemptGivenBack);
    }

    [Fact]
    public async Task UsageLimit_PausesTheClaudeAccountUntilItsResetWhileGeminiWorks()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await StartAsync("usagelimit", ct);
        var limited = await CreateAsync(host, "[fake:usage-limit]", request => request.Vendor = "claude", ct);
        var paused = await WaitForEventAsync(host, limited.Id, e => e.VendorPaused is not null, ct);
        var other = await CreateAsync(host, "[fake:success]", request => request.Vendor = "gemini", ct);

        var otherDone = await host.WaitForStatusAsync(other.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);
        var limitedDone = await host.WaitForStatusAsync(limited.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal((TaskStatus.Done, TaskStatus.Done), (otherDone.Task.Status, limitedDone.Task.Status));
        Assert.Equal("claude", paused.VendorPaused.Vendor);
        Assert.True(limitedDone.Runs[0].AttemptGivenBack);
        // The account got no work before its reset time.
        Assert.True(limitedDone.Runs[1].StartedAt.ToDateTimeOffset() >= paused.VendorPaused.Until.ToDateTimeOffset().AddMilliseconds(-50));
        var sidecars = await host.Queue().ListWorkersAsync(new Contracts.Queue.V1.ListWorkersRequest(), cancellationToken: ct);
        Assert.Contains(sidecars.Workers, w => w.Vendor == "claude" && w.ResumesSessions && w.ReportsCost);
    }

    [Fact]
    public async Task MaxTurns_TheNextAttemptResumesTheSessionWithAShortPrompt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await StartAsync("maxturns", ct);
        var created = await CreateAsync(host, "[fake:max-turns-then-resume]", request =>
        {
            request.Vendor = "claude";
            request.MaxAttempts = 2;
            request.TurnLimit = new TurnLimit { MaxTurns = 3 };
        }, ct);

        var finished = await host.WaitForStatusAsync(created.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed, TaskStatus.Blocked);

        Assert.Equal(TaskStatus.Done, finished.Task.Status);
        Assert.Equal(AgentErrorKind.MaxTurns, finished.Runs[0].ErrorKind);
        // What the fake CLI received on each attempt (its first output line is an event type no parser knows).
        var invocations = (await host.ReadEventsAsync(created.Id, ct))
            .Where(e => e.AgentActivity?.Unknown is { Type: "fake_invocation" })
            .ToDictionary(e => e.Attempt, e => e.AgentActivity.Unknown.Json);
        Assert.Equal(finished.Runs[0].SessionId, finished.Runs[1].SessionId);
        Assert.Contains("\"--max-turns\",\"3\"", invocations[1], StringComparison.Ordinal);
        Assert.Contains($"--resume={finished.Runs[0].SessionId}", invocations[2], StringComparison.Ordinal);
        Assert.DoesNotContain("[fake:max-turns-then-resume]", invocations[2], StringComparison.Ordinal);
    }

    private static async Task<PipelineHost> StartAsync(string name, CancellationToken cancellationToken)
    {
        var host = new PipelineHost(name, typeof(AgentVendorTests).Assembly);
        try
        {
            await host.StartOrchestratorAsync(
                cancellationToken,
                "--Orchestrator:Agents:RateLimitBackoff:0=00:00:01",
                "--Orchestrator:Scheduling:RetryDelay=00:00:01");
            host.StartAgentSidecar("DevServer.Vendors.Claude", "Claude", "claude", "claude-a");
            host.StartAgentSidecar("DevServer.Vendors.Gemini", "Gemini", "gemini", "gemini-a");
            host.StartVerifier("verifier-a");
            await host.AddSampleRepositoryAsync(cancellationToken, r => r.Commands = new VerificationCommands { Test = AgentWorkExists });
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private static async Task<AgentTask> CreateAsync(
        PipelineHost host, string description, Action<CreateTaskRequest> configure, CancellationToken cancellationToken)
    {
        var request = new CreateTaskRequest { Repository = "sample", Title = "Change the greeting", Description = description, Enqueue = true };
        configure(request);
        return (await host.Tasks().CreateTaskAsync(request, cancellationToken: cancellationToken)).Task;
    }

    private static async Task<Contracts.Events.V1.TaskEvent> WaitForEventAsync(
        PipelineHost host, long taskId, Func<Contracts.Events.V1.TaskEvent, bool> match, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(TaskTimeout);
        while (true)
        {
            if ((await host.ReadEventsAsync(taskId, bounded.Token)).FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(100, bounded.Token);
        }
    }
}
