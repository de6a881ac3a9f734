using Microsoft.Extensions.Logging;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>What the worker's connection and its assignments log.</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(1, LogLevel.Information, "Worker {WorkerName} ({WorkerId}) connected to {Address}: heartbeat every {HeartbeatInterval}, lease {LeaseDuration}")]
    public static partial void Connected(ILogger logger, string workerName, string workerId, Uri address, TimeSpan heartbeatInterval, TimeSpan leaseDuration);

    [LoggerMessage(2, LogLevel.Warning, "Connection to {Address} failed or ended ({StatusCode}: {Detail}); retrying in {Delay}")]
    public static partial void ConnectionFailed(ILogger logger, Uri address, Rpc.StatusCode statusCode, string detail, TimeSpan delay);

    [LoggerMessage(3, LogLevel.Error, "The orchestrator at {Address} refused this worker ({StatusCode}: {Detail}); check the worker token and settings. Retrying in {Delay}")]
    public static partial void Refused(ILogger logger, Uri address, Rpc.StatusCode statusCode, string detail, TimeSpan delay);

    [LoggerMessage(4, LogLevel.Warning, "Connection to {Address} failed; retrying in {Delay}")]
    public static partial void ConnectionError(ILogger logger, Exception exception, Uri address, TimeSpan delay);

    [LoggerMessage(5, LogLevel.Error, "No worker token: {TokenFile} {Problem} (the orchestrator writes it on first start, or set Worker:Token). Retrying in {Delay}")]
    public static partial void NoToken(ILogger logger, string tokenFile, string problem, TimeSpan delay);

    [LoggerMessage(6, LogLevel.Information, "The orchestrator at {Address} closed the stream; reconnecting in {Delay}")]
    public static partial void StreamClosed(ILogger logger, Uri address, TimeSpan delay);

    [LoggerMessage(7, LogLevel.Information, "Assignment {AssignmentId} received (task {TaskId}, attempt {Attempt}, {Work})")]
    public static partial void AssignmentReceived(ILogger logger, string assignmentId, long taskId, int attempt, string work);

    [LoggerMessage(8, LogLevel.Debug, "Assignment {AssignmentId} is already active; the repeated assignment is ignored")]
    public static partial void AssignmentRepeated(ILogger logger, string assignmentId);

    [LoggerMessage(9, LogLevel.Information, "Assignment {AssignmentId} finished: {Outcome} after {EventCount} events")]
    public static partial void AssignmentFinished(ILogger logger, string assignmentId, string outcome, long eventCount);

    [LoggerMessage(10, LogLevel.Error, "The handler of assignment {AssignmentId} threw; reporting a failed result")]
    public static partial void HandlerThrew(ILogger logger, Exception exception, string assignmentId);

    [LoggerMessage(11, LogLevel.Information, "Assignment {AssignmentId} cancelled by the orchestrator: {Reason}")]
    public static partial void CancelRequested(ILogger logger, string assignmentId, string reason);

    [LoggerMessage(12, LogLevel.Information, "Assignment {AssignmentId} dropped: the orchestrator no longer wants its result ({Reason})")]
    public static partial void AssignmentDropped(ILogger logger, string assignmentId, string reason);

    [LoggerMessage(13, LogLevel.Warning, "Ignoring an assignment without an id")]
    public static partial void AssignmentWithoutId(ILogger logger);

    [LoggerMessage(14, LogLevel.Information, "Stopping: cancelling {Count} assignments and delivering their results for at most {Grace}")]
    public static partial void Stopping(ILogger logger, int count, TimeSpan grace);

    [LoggerMessage(15, LogLevel.Warning, "Stopped with {Count} assignments whose results the orchestrator has not stored")]
    public static partial void StoppedWithUndelivered(ILogger logger, int count);

    [LoggerMessage(16, LogLevel.Warning, "The Welcome gave no heartbeat interval; sending heartbeats every {Interval}")]
    public static partial void NoHeartbeatInterval(ILogger logger, TimeSpan interval);

    [LoggerMessage(17, LogLevel.Warning, "The orchestrator at {Address} did not take the worker's last messages and end the call within {Timeout} of the stop; aborting the call")]
    public static partial void CloseTimedOut(ILogger logger, Uri address, TimeSpan timeout);
}
