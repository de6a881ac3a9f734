using DevServer.Delivery.Git;
using DevServer.DiskCleanup;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Delivery;

/// <summary>
/// Removes delivery's leftovers on this instance's delivery root: crashed deliveries' worktrees, clone caches unused for
/// long, then the least recently used worktrees and caches until the disk cap holds. It runs at start and then every
/// <see cref="DeliveryOptions.CleanupInterval"/>, in every instance on its own: each root belongs to one instance, so
/// a job in the clustered Quartz store (which fires on whichever instance acquires it) would leave the other roots
/// uncleaned for as long as that instance kept winning.
/// </summary>
internal sealed partial class DeliveryCleanupService(
    DeliveryCleanup cleanup, IOptions<DeliveryOptions> options, TimeProvider time, ILogger<DeliveryCleanupService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        CleanupSchedule.RunAsync(TimeSpan.Zero, options.Value.CleanupInterval, time, CleanOnceAsync, stoppingToken);

    /// <summary>One cleanup; null when it failed as a whole (logged, and the next run tries again).</summary>
    internal async Task<DeliveryCleanupReport?> CleanOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        try
        {
            // DeliveryCleanup logs what it removed and freed.
            return await cleanup.CleanAsync(
                new DeliveryCleanupOptions(settings.WorktreeMaxAge, settings.CacheMaxAge, settings.MaxCacheBytes), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A folder that vanished or could not be deleted must not stop the orchestrator (an exception leaving a
            // hosted service stops the host); deliveries never depend on the cleanup.
            Failed(logger, exception);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery cleanup failed; the next run tries again")]
    private static partial void Failed(ILogger logger, Exception exception);
}
