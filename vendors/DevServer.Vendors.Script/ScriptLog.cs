using DevServer.Contracts.Work.V1;
using Microsoft.Extensions.Logging;

namespace DevServer.Vendors.Script;

internal static partial class ScriptLog
{
    [LoggerMessage(1, LogLevel.Information, "Assignment {AssignmentId}: running the script in {Worktree} (time limit {Timeout})")]
    public static partial void Starting(ILogger logger, string assignmentId, string worktree, TimeSpan timeout);

    [LoggerMessage(2, LogLevel.Information, "Assignment {AssignmentId}: {Outcome} (exit code {ExitCode}, {CommitCount} commits)")]
    public static partial void Finished(ILogger logger, string assignmentId, AgentOutcome outcome, int? exitCode, int commitCount);

    [LoggerMessage(3, LogLevel.Warning, "Assignment {AssignmentId}: the worktree could not be prepared: {Error}")]
    public static partial void PreparationFailed(ILogger logger, string assignmentId, string error);
}
