using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Processes;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Mesh;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Core.Agents;

/// <summary>
/// One attempt of an agent CLI: the task's worktree at the base (plus the prior work), the prompt, the CLI the vendor
/// describes run there with exactly its environment, its output streamed raw and parsed, then the work as a patch
/// series and the vendor's final report as the result.
/// </summary>
/// <remarks>
/// The outcome follows the vendor's report, not only the exit code: a run that exits 0 but reports an error is
/// FAILED (Codex has exited 0 after a 401). A run that reports success but exits non-zero is SUCCEEDED (the report
/// is the vendor's own verdict on the agent's work, the verifier judges the work itself, and the exit code is kept
/// in the result); a notice event records the disagreement.
/// </remarks>
public sealed class AgentCliHandler(
    IAgentCli cli,
    AgentPrompts prompts,
    Workspace workspace,
    IOptions<AgentCliOptions> options,
    TimeProvider timeProvider,
    ILogger<AgentCliHandler> logger) : IAssignmentHandler
{
    public async Task<WorkResult> RunAsync(Assignment assignment, IWorkReporter reporter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(reporter);
        var work = assignment.Agent;
        var (prepared, ended) = await AgentAttempt.TryPrepareWorktreeAsync(workspace, assignment, reporter, cancellationToken);
        if (prepared is null)
        {
            if (ended!.Outcome == AgentOutcome.PreparationFailed)
            {
                AgentLog.PreparationFailed(logger, assignment.AssignmentId, ended.Error);
            }

            return Finished(ended);
        }

        var settings = options.Value;
        var run = await CreateRunAsync(assignment, prepared, settings, cancellationToken);
        var command = cli.BuildCommand(run);
        foreach (var (path, content) in command.Files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, content, cancellationToken);
        }

        var timeout = work.Timeout?.ToTimeSpan() is { } given && given > TimeSpan.Zero ? given : settings.DefaultTimeout;
        var spec = new ProcessSpec(command.FileName, command.Arguments)
        {
            WorkingDirectory = prepared.Path,
            EnvironmentMode = EnvironmentMode.Scrubbed,
            Environment = command.Environment,
            StopSignal = StopSignal.Interrupt,
            GracePeriod = settings.GracePeriod,
            MaxLineLength = settings.MaxLineLength,
        };
        var parser = cli.CreateParser(run);
        var tail = new OutputTail(AgentAttempt.MaxTextBytes);
        using var timeLimit = new CancellationTokenSource(timeout, timeProvider);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeLimit.Token);
        AgentLog.Starting(logger, assignment.AssignmentId, command.FileName, prepared.Path, timeout, run.ResumeSessionId ?? string.Empty);
        ProcessExit exit;
        try
        {
            exit = await ProcessRunner.RunAsync(spec, line => OnLine(line, parser, tail, reporter, assignment.AssignmentId), stop.Token);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException or System.ComponentModel.Win32Exception)
        {
            return Finished(new AgentResult
            {
                Outcome = AgentOutcome.Failed,
                ErrorKind = AgentErrorKind.InvalidRequest,
                Error = $"The {cli.Description.Vendor} CLI could not be started: {exception.Message}",
                BaseCommit = prepared.BaseCommit,
                HeadCommit = prepared.BaseCommit,
            });
        }

        var report = parser.Finish(exit.Cancelled ? null : exit.ExitCode);
        reporter.Report(AgentAttempt.Activity(new AgentActivity { Report = report }));
        var result = new AgentResult
        {
            BaseCommit = prepared.BaseCommit,
            HeadCommit = prepared.BaseCommit,
            OutputExcerpt = tail.ToString(),
            Duration = Duration.FromTimeSpan(exit.Duration),
            Turns = report.Turns,
            CostUsd = report.CostUsd,
            SessionId = report.SessionId,
            Usage = report.Usage ?? new TokenUsage(),
        };
        if (!exit.Cancelled && exit.ExitCode is { } code)
        {
            // Only an exit of its own: a CLI that ends on the interrupt reports 130, which says nothing about the run.
            result.ExitCode = code;
        }

        if (exit.Cancelled)
        {
            // The orchestrator's cancel wins over a time limit that ran out at the same moment.
            if (cancellationToken.IsCancellationRequested)
            {
                result.Outcome = AgentOutcome.Cancelled;
                result.Error = $"Cancelled; the {cli.Description.Vendor} CLI was stopped.";
                return Finished(result);
            }

            result.Outcome = AgentOutcome.TimedOut;
            result.Error = $"The {cli.Description.Vendor} CLI ran longer than {timeout} and was stopped.";
        }
        else if (report.Success)
        {
            result.Outcome = AgentOutcome.Succeeded;
            if (exit.ExitCode != 0)
            {
                reporter.Report(AgentAttempt.Activity(new AgentActivity
                {
                    Notice = new AgentNotice { Error = false, Message = $"The CLI reported success but exited with code {exit.ExitCode}; the report is trusted." },
                }));
            }
        }
        else
        {
            result.Outcome = AgentOutcome.Failed;
            result.ErrorKind = report.ErrorKind == AgentErrorKind.Unspecified ? AgentErrorKind.Other : report.ErrorKind;
            result.Error = AgentFailures.Describe(cli.Description.Vendor, result.ErrorKind, report, exit.ExitCode, run, cli.AuthenticationFix(run));
            if (result.ErrorKind == AgentErrorKind.RateLimited && report.ResetsAt is { } resets)
            {
                result.RateLimitResetsAt = resets;
            }
        }

        try
        {
            // Also for failed and timed-out runs: the work so far can come back as prior work when the session resumes.
            await AgentAttempt.CollectWorkAsync(workspace, assignment, prepared, result, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result.Outcome = AgentOutcome.Cancelled;
            result.Error = "Cancelled while the work was committed.";
        }

        return Finished(result);

        WorkResult Finished(AgentResult agent)
        {
            AgentLog.Finished(logger, assignment.AssignmentId, agent.Outcome, agent.ErrorKind, agent.HasExitCode ? agent.ExitCode : null, agent.CommitCount);
            return new WorkResult { Agent = agent };
        }
    }

    // The request the vendor builds its command from; the prompt is also kept in the run folder, for a look.
    private async Task<AgentRunRequest> CreateRunAsync(
        Assignment assignment, WorktreePreparation prepared, AgentCliOptions settings, CancellationToken cancellationToken)
    {
        var work = assignment.Agent;
        var description = cli.Description;
        var resume = description.ResumesSessions && !string.IsNullOrEmpty(work.ResumeSessionId) ? work.ResumeSessionId : null;
        var prompt = resume is null
            ? prompts.FirstPrompt(
                assignment,
                await RepositoryBriefing.ReadAsync(
                    prepared.Path, Path.Combine(workspace.Root, AgentAttempt.MapsFolder), settings.GuidanceBudget, settings.MapBudget, cancellationToken))
            : prompts.ResumePrompt(assignment);

        // Outside the worktree (never part of the work) and kept across the task's attempts: a resumed session may
        // need what an earlier run left there (Claude's sessions under a private CLAUDE_CONFIG_DIR).
        var runDirectory = Path.Combine(workspace.Root, AgentAttempt.RunsFolder, AgentAttempt.WorktreeName(assignment));
        Directory.CreateDirectory(runDirectory);
        await File.WriteAllTextAsync(Path.Combine(runDirectory, "prompt.md"), prompt, cancellationToken);
        return new AgentRunRequest(
            prepared.Path,
            runDirectory,
            prompt,
            string.IsNullOrWhiteSpace(work.Model) ? null : work.Model,
            resume,
            Math.Max(0, work.MaxTurns),
            work.BillingMode == BillingMode.Unspecified ? description.DefaultBillingMode : work.BillingMode,
            [.. work.AllowedTools],
            prompts.Instructions,
            settings.RunsAsRoot ?? Environment.IsPrivilegedProcess);
    }

    // Called by the runner for each line, never concurrently: the raw line first (the live terminal), then its meaning.
    private void OnLine(ProcessOutputLine line, IAgentOutputParser parser, OutputTail tail, IWorkReporter reporter, string assignmentId)
    {
        tail.Add(line.Text);
        reporter.Report(AgentAttempt.OutputLine(OutputSource.Agent, line));
        IReadOnlyList<AgentActivity> activities;
        try
        {
            activities = line.IsStandardError ? parser.ReadErrorLine(line.Text) : parser.ReadOutputLine(line.Text);
        }
#pragma warning disable CA1031 // A parser bug must not end the run: the line is still in the raw output.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            AgentLog.ParserFailed(logger, assignmentId, exception);
            return;
        }

        foreach (var activity in activities)
        {
            reporter.Report(AgentAttempt.Activity(activity));
        }
    }
}
