using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tasks;

/// <summary>Task statuses as stored (lowercase words in <c>tasks.status</c>) and what they mean for the pipeline.</summary>
internal static class TaskStatuses
{
    public const string Pending = "pending";
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Verifying = "verifying";
    public const string Delivering = "delivering";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Blocked = "blocked";
    public const string Cancelled = "cancelled";

    public static string ToStored(TaskStatus status) => status switch
    {
        TaskStatus.Pending => Pending,
        TaskStatus.Queued => Queued,
        TaskStatus.Running => Running,
        TaskStatus.Verifying => Verifying,
        TaskStatus.Delivering => Delivering,
        TaskStatus.Done => Done,
        TaskStatus.Failed => Failed,
        TaskStatus.Blocked => Blocked,
        TaskStatus.Cancelled => Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a task status."),
    };

    public static TaskStatus FromStored(string status) => status switch
    {
        Pending => TaskStatus.Pending,
        Queued => TaskStatus.Queued,
        Running => TaskStatus.Running,
        Verifying => TaskStatus.Verifying,
        Delivering => TaskStatus.Delivering,
        Done => TaskStatus.Done,
        Failed => TaskStatus.Failed,
        Blocked => TaskStatus.Blocked,
        Cancelled => TaskStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown stored task status."),
    };

    /// <summary>Done, failed, blocked or cancelled: nothing happens to the task until someone retries it.</summary>
    public static bool IsFinished(string status) => status is Done or Failed or Blocked or Cancelled;

    /// <summary>Queued, running, verifying or delivering: the pipeline owns the task and people may only cancel it.</summary>
    public static bool IsInFlight(string status) => status is Queued or Running or Verifying or Delivering;

    public static bool IsFinished(TaskStatus status) =>
        status is TaskStatus.Done or TaskStatus.Failed or TaskStatus.Blocked or TaskStatus.Cancelled;
}
