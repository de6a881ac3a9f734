using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli;

/// <summary>
/// The exit codes of every command, and the one mapping from a gRPC status and from a task's final status to them
/// (documented in cli/README.md; scripts depend on them).
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked; a watched task is done.</summary>
    public const int Success = 0;

    /// <summary>A watched task ended failed, blocked or cancelled.</summary>
    public const int TaskUnsuccessful = 1;

    /// <summary>The command line is wrong (unknown option, bad value, missing argument).</summary>
    public const int Usage = 2;

    /// <summary>The task, repository or other object does not exist.</summary>
    public const int NotFound = 3;

    /// <summary>The orchestrator cannot be reached, or it refused the token.</summary>
    public const int Unreachable = 4;

    /// <summary>The orchestrator refused the request: invalid argument, failed precondition, already exists.</summary>
    public const int Rejected = 5;

    /// <summary>Any other failure, on the server or locally.</summary>
    public const int Failure = 6;

    /// <summary>Interrupted (Ctrl+C or SIGTERM) before the command finished; the shell convention 128 + SIGINT.</summary>
    public const int Interrupted = 130;

    /// <summary>The exit code for a call that ended with <paramref name="code"/>.</summary>
    public static int FromStatus(StatusCode code) => code switch
    {
        StatusCode.OK => Success,
        StatusCode.NotFound => NotFound,
        StatusCode.Unavailable or StatusCode.Unauthenticated or StatusCode.PermissionDenied or StatusCode.DeadlineExceeded => Unreachable,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.OutOfRange => Rejected,
        _ => Failure,
    };

    /// <summary>The exit code for a task that ended in <paramref name="status"/> (a final status).</summary>
    public static int FromTaskStatus(TaskStatus status) => status switch
    {
        TaskStatus.Done => Success,
        TaskStatus.Failed or TaskStatus.Blocked or TaskStatus.Cancelled => TaskUnsuccessful,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a final status."),
    };

    /// <summary>Whether a task in <paramref name="status"/> has stopped moving (until someone retries it).</summary>
    public static bool IsFinal(TaskStatus status) =>
        status is TaskStatus.Done or TaskStatus.Failed or TaskStatus.Blocked or TaskStatus.Cancelled;
}
