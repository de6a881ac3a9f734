using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Processes;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Git;
using DevServer.Vendors.Core.Mesh;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Script;

/// <summary>
/// One attempt of the script agent: a worktree at the base, the configured command in it (with the task in its
/// environment and a prompt file), then whatever it changed as a patch series.
/// </summary>
internal sealed class ScriptAgentHandler(
    Workspace workspace,
    IOptions<ScriptOptions> options,
    TimeProvider timeProvider,
    ILogger<ScriptAgentHandler> logger) : IAssignmentHandler
{
    public async Task<WorkResult> RunAsync(Assignment assignment, IWorkReporter reporter, CancellationToken cancellationToken)
    {
        var work = assignment.Agent;
        var worktreeName = AgentAttempt.WorktreeName(assignment);
        var (prepared, ended) = await AgentAttempt.TryPrepareWorktreeAsync(workspace, assignment, reporter, cancellationToken);
        if (prepared is null)
        {
            if (ended!.Outcome == AgentOutcome.PreparationFailed)
            {
                ScriptLog.PreparationFailed(logger, assignment.AssignmentId, ended.Error);
            }

            return Finished(ended);
        }

        // Outside the worktree, so it never becomes part of the work.
        var promptFile = Path.Combine(workspace.Root, "prompts", worktreeName + ".md");
        Directory.CreateDirectory(Path.GetDirectoryName(promptFile)!);
        await File.WriteAllTextAsync(promptFile, AgentBrief.Prompt(assignment), cancellationToken);

        var settings = options.Value;
        var timeout = work.Timeout?.ToTimeSpan() is { } given && given > TimeSpan.Zero ? given : settings.DefaultTimeout;
        var spec = new ProcessSpec("/bin/sh", ["-c", settings.Command])
        {
            WorkingDirectory = prepared.Path,
            EnvironmentMode = EnvironmentMode.Scrubbed,
            Environment = AgentBrief.Environment(assignment, promptFile),
            GracePeriod = settings.GracePeriod,
        };
        var tail = new OutputTail(AgentAttempt.MaxTextBytes);
        using var timeLimit = new CancellationTokenSource(timeout, timeProvider);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeLimit.Token);
        ScriptLog.Starting(logger, assignment.AssignmentId, prepared.Path, timeout);
        var exit = await ProcessRunner.RunAsync(
            spec,
            line =>
            {
                tail.Add(line.Text);
                reporter.Report(AgentAttempt.OutputLine(OutputSource.Agent, line));
            },
            stop.Token);

        var result = new AgentResult
        {
            BaseCommit = prepared.BaseCommit,
            HeadCommit = prepared.BaseCommit,
            OutputExcerpt = tail.ToString(),
            Duration = Duration.FromTimeSpan(exit.Duration),
        };
        if (exit.Cancelled)
        {
            // The orchestrator's cancel wins over a time limit that ran out at the same moment.
            (result.Outcome, result.Error) = cancellationToken.IsCancellationRequested
                ? (AgentOutcome.Cancelled, "Cancelled; the command was stopped.")
                : (AgentOutcome.TimedOut, $"The command ran longer than {timeout} and was stopped.");
            return Finished(result);
        }

        result.ExitCode = exit.ExitCode ?? -1;
        if (exit.ExitCode != 0)
        {
            result.Outcome = AgentOutcome.Failed;
            result.Error = $"The command exited with code {result.ExitCode}.";
            return Finished(result);
        }

        try
        {
            // No commits is still a success here: whether an empty change is acceptable is the orchestrator's call.
            // Set first: collecting turns it into a failure when work inside a submodule cannot be delivered.
            result.Outcome = AgentOutcome.Succeeded;
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
            ScriptLog.Finished(logger, assignment.AssignmentId, agent.Outcome, agent.HasExitCode ? agent.ExitCode : null, agent.CommitCount);
            return new WorkResult { Agent = agent };
        }
    }
}
