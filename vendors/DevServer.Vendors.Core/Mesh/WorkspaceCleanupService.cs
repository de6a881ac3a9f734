using DevServer.DiskCleanup;
using DevServer.Vendors.Core.Git;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>
/// Cleans the worker's workspace (<see cref="Workspace.CleanAsync"/>) shortly after start and then every
/// <see cref="WorkspaceCleanupOptions.Interval"/>, sparing what the assignments the host holds use. A failed run is
/// logged and the next one tries again; the worker's work never depends on it.
/// </summary>
internal sealed partial class WorkspaceCleanupService(
    Workspace workspace,
    WorkerHost host,
    IAssignmentHandler handler,
    IOptions<WorkerOptions> options,
    TimeProvider timeProvider,
    ILogger<WorkspaceCleanupService> logger) : BackgroundService
{
    private readonly WorkspaceCleanupOptions _settings = options.Value.Cleanup;

    // An interrupted cleanup is simply done next time.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        CleanupSchedule.RunAsync(_settings.FirstRunDelay, _settings.Interval, timeProvider, cancellationToken => CleanOnceAsync(cancellationToken), stoppingToken);

    /// <summary>One cleanup; null when it failed as a whole (logged).</summary>
    internal async Task<WorkspaceCleanupReport?> CleanOnceAsync(CancellationToken cancellationToken)
    {
        WorkspaceCleanupReport report;
        try
        {
            report = await workspace.CleanAsync(_settings, IsInUse, timeProvider.GetUtcNow(), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever went wrong (a folder that changed while it was read, say), the worker's work must not stop for it:
            // an exception leaving a hosted service would stop the host.
            LogFailed(logger, exception, workspace.Root);
            return null;
        }

        foreach (var removal in report.Removed)
        {
            LogRemoved(logger, removal.Candidate.Path, removal.Reason, removal.Candidate.Bytes, removal.Candidate.LastUsed);
        }

        foreach (var failure in report.Failures)
        {
            LogNotRemoved(logger, failure.Path, failure.Error);
        }

        if (report.Removed.Count > 0)
        {
            LogCleaned(logger, report.Removed.Count, report.BytesFreed, report.BytesBefore, report.BytesAfter);
        }

        return report;
    }

    // Asked per item, under the item's cache lock: the assignments of this moment, not of the cleanup's start.
    private bool IsInUse(string relativePath)
    {
        foreach (var assignment in host.Assignments)
        {
            if (handler.WorkspacePathsInUse(assignment).Any(path => string.Equals(Normalised(path), relativePath, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static string Normalised(string relativePath) => relativePath.Replace('\\', '/').Trim('/');

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace cleanup removed {Path} ({Reason}, {Bytes} bytes, last used {LastUsed:O})")]
    private static partial void LogRemoved(ILogger logger, string path, CleanupReason reason, long bytes, DateTimeOffset lastUsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace cleanup removed {Count} item(s) and freed {Freed} bytes; the workspace went from {Before} to {After} bytes")]
    private static partial void LogCleaned(ILogger logger, int count, long freed, long before, long after);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace cleanup could not remove {Path}: {Error}")]
    private static partial void LogNotRemoved(ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspace cleanup of {Root} failed; the next run tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception, string root);
}
