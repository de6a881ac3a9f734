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
internal sealed class DeliveryCleanupJob(DeliveryCleanup cleanup, IOptions<DeliveryOptions> options) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // DeliveryCleanup logs what it removed and freed.
        await cleanup.CleanAsync(
            new DeliveryCleanupOptions(settings.WorktreeMaxAge, settings.CacheMaxAge, settings.MaxCacheBytes), cancellationToken);
    }
}
