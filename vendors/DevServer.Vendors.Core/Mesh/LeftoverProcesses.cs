using DevServer.Processes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>
/// The worker's process group ledger: opened before anything starts a child, then used to stop what the previous life
/// of this worker (same workspace root) left running when it was killed outright — an agent CLI still editing a
/// worktree, a test still holding a port — before the worker connects and takes that work again. Only workers use it:
/// the orchestrator leaves PostgreSQL running under pg_ctl on purpose and has no ledger.
/// </summary>
internal static partial class LeftoverProcesses
{
    /// <summary>Where the ledger lives under <c>Worker:WorkspaceRoot</c> (out of the workspace cleanup's folders).</summary>
    public static string LedgerFolder(string workspaceRoot) => Path.Combine(workspaceRoot, "run", "process-groups");

    /// <summary>Opens the ledger for this process and reaps; reads (and so validates) the worker's settings.</summary>
    public static async Task OpenAndReapAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var settings = services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LeftoverProcesses).FullName!);
        if (!OperatingSystem.IsLinux())
        {
            // The runner itself is Linux only; elsewhere there is nothing to record.
            return;
        }

        var ledger = ProcessGroupLedger.OpenForThisProcess(LedgerFolder(settings.WorkspaceRoot!));
        var report = await ledger.ReapLeftoversAsync(cancellationToken);
        foreach (var entry in report.Unreadable)
        {
            UnreadableEntry(logger, entry.Path, entry.Problem);
        }

        foreach (var group in report.Reaped)
        {
            Reaped(logger, group.ProcessId, group.CommandLine, group.RunningFor, group.ProcessCount);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Stopped process group {ProcessId} left running by a previous run of this worker that was killed: {CommandLine} (running for {RunningFor}, {ProcessCount} processes)")]
    private static partial void Reaped(ILogger logger, int processId, string commandLine, TimeSpan runningFor, int processCount);

    [LoggerMessage(2, LogLevel.Warning, "Removed the unreadable process group ledger entry {Path}: {Problem}")]
    private static partial void UnreadableEntry(ILogger logger, string path, string problem);
}
