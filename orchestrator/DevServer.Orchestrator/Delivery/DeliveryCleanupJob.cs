using DevServer.Delivery.Git;
using Microsoft.Extensions.Options;
using Quartz;

namespace DevServer.Orchestrator.Delivery;

/// <summary>
/// Removes delivery's leftovers: crashed deliveries' worktrees, clone caches unused for long, then the least recently
/// used caches until the disk cap holds. Not clustered on purpose: each instance cleans its own delivery root, so the
/// trigger is an in-memory one per instance (see <see cref="DeliveryHosting"/>).
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class DeliveryCleanupJob(DeliveryCleanup cleanup, IOptions<DeliveryOptions> options, ILogger<DeliveryCleanupJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var report = await cleanup.CleanAsync(
            new DeliveryCleanupOptions(settings.WorktreeMaxAge, settings.CacheMaxAge, settings.MaxCacheBytes), cancellationToken);
        LogCleaned(logger, report.RemovedWorktrees.Count, report.RemovedCaches.Count, report.CacheBytesBefore, report.CacheBytesAfter);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery cleanup removed {Worktrees} worktree(s) and {Caches} cache(s); caches {Before} → {After} bytes")]
    private static partial void LogCleaned(ILogger logger, int worktrees, int caches, long before, long after);
}
