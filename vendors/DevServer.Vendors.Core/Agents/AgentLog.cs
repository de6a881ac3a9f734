using DevServer.Contracts.Work.V1;
using Microsoft.Extensions.Logging;

namespace DevServer.Vendors.Core.Agents;

internal static partial class AgentLog
{
    [LoggerMessage(1, LogLevel.Information, "Assignment {AssignmentId}: running {Program} in {Worktree} (time limit {Timeout}, resuming '{Session}')")]
    public static partial void Starting(ILogger logger, string assignmentId, string program, string worktree, TimeSpan timeout, string session);

    [LoggerMessage(2, LogLevel.Information, "Assignment {AssignmentId}: {Outcome} {ErrorKind} (exit code {ExitCode}, {CommitCount} commits)")]
    public static partial void Finished(ILogger logger, string assignmentId, AgentOutcome outcome, AgentErrorKind errorKind, int? exitCode, int commitCount);

    [LoggerMessage(3, LogLevel.Warning, "Assignment {AssignmentId}: the worktree could not be prepared: {Error}")]
    public static partial void PreparationFailed(ILogger logger, string assignmentId, string error);

    [LoggerMessage(4, LogLevel.Error, "Assignment {AssignmentId}: the output parser failed on a line; the line is kept as raw output only")]
    public static partial void ParserFailed(ILogger logger, string assignmentId, Exception exception);
}
