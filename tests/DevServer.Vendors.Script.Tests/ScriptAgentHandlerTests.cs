using System.Diagnostics;
using System.Text;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Git;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Script.Tests;

/// <summary>The script agent's handler in process, against real git repositories and real shell scripts.</summary>
public sealed class ScriptAgentHandlerTests
{
    private const int TimeoutMs = 60_000;
    private const string GitIdentity = "-c user.name=Agent -c user.email=agent@example.invalid";

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_ScriptCommitsAndLeavesChanges_SucceedsWithPatchThatAppliesToTheBaseElsewhere()
    {
        using var repositories = await TestRepositories.CreateAsync();
        var handler = CreateHandler(repositories,
            $"printf 'goodbye\\n' > README.md && git {GitIdentity} commit -q -am 'agent commit' && printf 'new\\n' > added.txt && echo done");
        var reporter = new RecordingReporter();

        var result = (await handler.RunAsync(Agent(repositories), reporter, TestContext.Current.CancellationToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(repositories.BaseCommit, result.BaseCommit);
        Assert.NotEqual(result.BaseCommit, result.HeadCommit);
        Assert.Equal(2, result.CommitCount);
        Assert.True(result.Duration.ToTimeSpan() > TimeSpan.Zero);
        Assert.Contains(reporter.Lines(OutputSource.Agent), line => line is { Text: "done", Stderr: false });

        var clone = await repositories.CloneAsync("verifier");
        var mbox = Path.Combine(repositories.Root, "work.mbox");
        await File.WriteAllBytesAsync(mbox, result.PatchSeries.ToByteArray(), TestContext.Current.CancellationToken);
        // --keep-non-patch: a plain `git am` strips every [...] from the subject, "[task 42]" included.
        await TestRepositories.GitAsync(clone, "-c", "user.name=Verifier", "-c", "user.email=verifier@example.invalid", "am", "--quiet", "--keep-non-patch", mbox);
        Assert.Equal("goodbye\n", await File.ReadAllTextAsync(Path.Combine(clone, "README.md"), TestContext.Current.CancellationToken));
        Assert.Equal("new\n", await File.ReadAllTextAsync(Path.Combine(clone, "added.txt"), TestContext.Current.CancellationToken));
        var subjects = await TestRepositories.GitAsync(clone, "log", "--format=%s", $"{repositories.BaseCommit}..HEAD");
        Assert.Equal(["[task 42] Update the readme", "agent commit"], subjects.TrimEnd().Split('\n'));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_ScriptChangesNothing_SucceedsWithEmptyPatch()
    {
        using var repositories = await TestRepositories.CreateAsync();
        var handler = CreateHandler(repositories, "true");

        var result = (await handler.RunAsync(Agent(repositories), new RecordingReporter(), TestContext.Current.CancellationToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        Assert.Equal(0, result.CommitCount);
        Assert.True(result.PatchSeries.IsEmpty);
        Assert.Equal(repositories.BaseCommit, result.HeadCommit);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_ScriptExitsNonZero_FailedWithExitCodeAndTheLastOutput()
    {
        using var repositories = await TestRepositories.CreateAsync();
        var handler = CreateHandler(repositories, "echo 'it broke' >&2; echo first; for i in $(seq 1 2000); do echo \"line $i\"; done; exit 3");
        var reporter = new RecordingReporter();

        var result = (await handler.RunAsync(Agent(repositories), reporter, TestContext.Current.CancellationToken)).Agent;

        Assert.Equal(AgentOutcome.Failed, result.Outcome);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("3", result.Error, StringComparison.Ordinal);
        // The two streams are read side by side: their lines interleave in no fixed order.
        Assert.Contains("line 1999\nline 2000", result.OutputExcerpt, StringComparison.Ordinal);
        Assert.DoesNotContain("first", result.OutputExcerpt, StringComparison.Ordinal);
        Assert.InRange(Encoding.UTF8.GetByteCount(result.OutputExcerpt), 4000, 4096);
        Assert.True(result.PatchSeries.IsEmpty);
        Assert.Contains(reporter.Lines(OutputSource.Agent), line => line is { Text: "it broke", Stderr: true });
        Assert.Equal(2002, reporter.Lines(OutputSource.Agent).Count);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_LongOutputLine_ReportedCutAt4KiB()
    {
        using var repositories = await TestRepositories.CreateAsync();
        // 3000 two-byte characters: 6000 bytes, cut to 2048 characters (4096 bytes) without splitting one.
        var handler = CreateHandler(repositories, "i=0; while [ $i -lt 3000 ]; do printf 'é'; i=$((i+1)); done; echo");
        var reporter = new RecordingReporter();

        await handler.RunAsync(Agent(repositories), reporter, TestContext.Current.CancellationToken);

        var line = Assert.Single(reporter.Lines(OutputSource.Agent));
        Assert.Equal(new string('é', 2048), line.Text);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_ScriptOutlivesItsTimeout_TimedOutAndItsProcessTreeKilled()
    {
        using var repositories = await TestRepositories.CreateAsync();
        // A background job of a non-interactive shell ignores SIGINT: only the forceful stop of the tree ends it.
        var handler = CreateHandler(repositories, "sleep 300 & echo \"pid=$!\"; wait");
        var reporter = new RecordingReporter();
        var stopwatch = Stopwatch.StartNew();

        var result = (await handler.RunAsync(Agent(repositories, timeout: TimeSpan.FromSeconds(1)), reporter, TestContext.Current.CancellationToken)).Agent;

        Assert.Equal(AgentOutcome.TimedOut, result.Outcome);
        Assert.False(result.HasExitCode);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        var pid = int.Parse(Assert.Single(reporter.Lines(OutputSource.Agent), l => l.Text.StartsWith("pid=", StringComparison.Ordinal)).Text[4..], System.Globalization.CultureInfo.InvariantCulture);
        await ProcessTable.WaitUntilGoneAsync(pid);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_Cancelled_CancelledAndTheScriptStopped()
    {
        using var repositories = await TestRepositories.CreateAsync();
        var handler = CreateHandler(repositories, "echo \"pid=$$\"; sleep 300");
        var reporter = new RecordingReporter();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var running = handler.RunAsync(Agent(repositories), reporter, cancel.Token);
        while (!reporter.Lines(OutputSource.Agent).Any(l => l.Text.StartsWith("pid=", StringComparison.Ordinal)))
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await cancel.CancelAsync();
        var result = (await running).Agent;

        Assert.Equal(AgentOutcome.Cancelled, result.Outcome);
        Assert.False(result.HasExitCode);
        var pid = int.Parse(reporter.Lines(OutputSource.Agent)[0].Text[4..], System.Globalization.CultureInfo.InvariantCulture);
        await ProcessTable.WaitUntilGoneAsync(pid);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_Environment_TaskVariablesAndPromptFileVisibleParentSecretNot()
    {
        const string secret = "DEVSERVER_TEST_PARENT_SECRET";
        Environment.SetEnvironmentVariable(secret, "hunter2");
        using var repositories = await TestRepositories.CreateAsync();
        var handler = CreateHandler(repositories, string.Join("; ",
            "echo \"id=$DEVSERVER_TASK_ID\"",
            "echo \"title=$DEVSERVER_TASK_TITLE\"",
            "echo \"description=$DEVSERVER_TASK_DESCRIPTION\"",
            "echo \"acceptance=$DEVSERVER_TASK_ACCEPTANCE\"",
            "echo \"attempt=$DEVSERVER_ATTEMPT\"",
            "echo \"previous=$DEVSERVER_PREVIOUS_FAILURE\"",
            "echo \"model=$DEVSERVER_MODEL\"",
            $"echo \"secret=${{{secret}:-unset}}\"",
            "case \"$DEVSERVER_PROMPT_FILE\" in \"$PWD\"/*) echo prompt=inside ;; *) echo prompt=outside ;; esac",
            "echo \"branch=$(git rev-parse --abbrev-ref HEAD)\"",
            "cat \"$DEVSERVER_PROMPT_FILE\""));
        var assignment = Agent(repositories, attempt: 2);
        assignment.Agent.PreviousFailure = "the tests failed";
        var reporter = new RecordingReporter();

        var result = (await handler.RunAsync(assignment, reporter, TestContext.Current.CancellationToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, result.Outcome);
        var lines = reporter.Lines(OutputSource.Agent).Select(l => l.Text).ToList();
        Assert.Equal(
            [
                "id=42", "title=Update the readme", "description=Say goodbye.", "acceptance=README says goodbye.",
                "attempt=2", "previous=the tests failed", "model=small", "secret=unset", "prompt=outside", "branch=devserver/task-42",
            ],
            lines.Take(10));
        var prompt = string.Join('\n', lines.Skip(10));
        Assert.StartsWith("# Update the readme", prompt, StringComparison.Ordinal);
        Assert.Contains("Say goodbye.", prompt, StringComparison.Ordinal);
        Assert.Contains("README says goodbye.", prompt, StringComparison.Ordinal);
        Assert.Contains("the tests failed", prompt, StringComparison.Ordinal);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_UnknownBaseBranch_PreparationFailedWithoutRunningTheScript()
    {
        using var repositories = await TestRepositories.CreateAsync();
        var handler = CreateHandler(repositories, "echo ran");
        var reporter = new RecordingReporter();

        var result = (await handler.RunAsync(Agent(repositories, baseBranch: "no-such-branch"), reporter, TestContext.Current.CancellationToken)).Agent;

        Assert.Equal(AgentOutcome.PreparationFailed, result.Outcome);
        Assert.Contains("no-such-branch", result.Error, StringComparison.Ordinal);
        Assert.Empty(reporter.Lines(OutputSource.Agent));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_SameAttemptAgain_StartsAtTheBaseNotOnTheEarlierWork()
    {
        using var repositories = await TestRepositories.CreateAsync();
        // Fails when the worktree still holds the marker (committed by the first run on the work branch).
        var handler = CreateHandler(repositories, "test ! -e marker && touch marker");

        var first = (await handler.RunAsync(Agent(repositories), new RecordingReporter(), TestContext.Current.CancellationToken)).Agent;
        var second = (await handler.RunAsync(Agent(repositories), new RecordingReporter(), TestContext.Current.CancellationToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, first.Outcome);
        Assert.Equal(AgentOutcome.Succeeded, second.Outcome);
        Assert.Equal(1, second.CommitCount);
        Assert.Equal(repositories.BaseCommit, second.BaseCommit);
        Assert.True(File.Exists(Path.Combine(repositories.WorkspaceRoot, "worktrees", "task-42", "marker")), "The worktree is kept after the attempt.");
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_WithPriorWork_TheCommandStartsFromItAndTheSeriesHoldsBoth()
    {
        using var repositories = await TestRepositories.CreateAsync();
        var first = (await CreateHandler(repositories, "echo one > first.txt").RunAsync(
            Agent(repositories), new RecordingReporter(), TestContext.Current.CancellationToken)).Agent;
        var retry = Agent(repositories, attempt: 2);
        retry.Agent.PriorWork = first.PatchSeries;

        var second = (await CreateHandler(repositories, "cat first.txt && echo two > second.txt").RunAsync(
            retry, new RecordingReporter(), TestContext.Current.CancellationToken)).Agent;

        Assert.Equal(AgentOutcome.Succeeded, second.Outcome);
        Assert.Equal(2, second.CommitCount);
        Assert.Equal(repositories.BaseCommit, second.BaseCommit);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task RunAsync_PriorWorkDoesNotApply_PreparationFailedWithTheReason()
    {
        using var repositories = await TestRepositories.CreateAsync();
        var assignment = Agent(repositories);
        assignment.Agent.PriorWork = Google.Protobuf.ByteString.CopyFromUtf8("not an mbox at all\n");

        var result = (await CreateHandler(repositories, "true").RunAsync(assignment, new RecordingReporter(), TestContext.Current.CancellationToken)).Agent;

        Assert.Equal(AgentOutcome.PreparationFailed, result.Outcome);
        Assert.Contains("prior work does not apply", result.Error, StringComparison.Ordinal);
    }

    private static ScriptAgentHandler CreateHandler(TestRepositories repositories, string command) =>
        new(
            new Workspace(repositories.WorkspaceRoot),
            Options.Create(new ScriptOptions { Command = command, GracePeriod = TimeSpan.FromSeconds(1) }),
            TimeProvider.System,
            NullLogger<ScriptAgentHandler>.Instance);

    private static Assignment Agent(TestRepositories repositories, int attempt = 1, string baseBranch = "main", TimeSpan? timeout = null) => new()
    {
        AssignmentId = Guid.NewGuid().ToString(),
        TaskId = 42,
        Attempt = attempt,
        Agent = new AgentWork
        {
            Repository = new RepositorySource { Name = "demo", Location = repositories.Origin },
            BaseBranch = baseBranch,
            WorkBranch = "devserver/task-42",
            Model = "small",
            Timeout = Duration.FromTimeSpan(timeout ?? TimeSpan.FromSeconds(50)),
            Task = new TaskBrief { TaskId = 42, Title = "Update the readme", Description = "Say goodbye.", Acceptance = "README says goodbye." },
        },
    };
}
