using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DevServer.Orchestrator.Tests.Delivery;

/// <summary>The per-instance cleanup of the delivery root: a run at start, then one every <c>CleanupInterval</c>.</summary>
public sealed class DeliveryCleanupServiceTests
{
    [Fact]
    public async Task AddDelivery_IntervalOfAnHour_CleansItsOwnRootAtStart()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var root = new TestDirectory();
        var beforeStart = StaleWorktree(root.Path, "before-start");
        // An hour between runs: within the test, only a run at start can remove what was there before it.
        await using var app = HostOf(root.Path, TimeSpan.FromHours(1), out var service);

        await service.StartAsync(cancellationToken);
        try
        {
            await WaitUntilGoneAsync(beforeStart, "the run at start", cancellationToken);
        }
        finally
        {
            await service.StopAsync(cancellationToken);
        }
    }

    [Fact]
    public async Task AddDelivery_ShortInterval_CleansItsOwnRootAgainOnSchedule()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var root = new TestDirectory();
        var beforeStart = StaleWorktree(root.Path, "before-start");
        await using var app = HostOf(root.Path, TimeSpan.FromMilliseconds(200), out var service);

        await service.StartAsync(cancellationToken);
        try
        {
            await WaitUntilGoneAsync(beforeStart, "the first run", cancellationToken);
            var later = StaleWorktree(root.Path, "later");
            await WaitUntilGoneAsync(later, "a later run", cancellationToken);
        }
        finally
        {
            await service.StopAsync(cancellationToken);
        }
    }

    /// <summary>
    /// A host with <c>AddDelivery</c> on <paramref name="root"/>, and its cleanup service as the host builds it: a hosted
    /// service of this instance, not a job of the clustered Quartz store. Only that service is started, by the test.
    /// </summary>
    private static WebApplication HostOf(string root, TimeSpan interval, out IHostedService cleanupService)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = root });
        builder.Configuration["Orchestrator:Delivery:Root"] = root;
        builder.Configuration["Orchestrator:Delivery:CleanupInterval"] = interval.ToString("c");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddDelivery();
        var app = builder.Build();

        var registration = Assert.Single(builder.Services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(DeliveryCleanupService));
        cleanupService = (IHostedService)ActivatorUtilities.CreateInstance(app.Services, registration.ImplementationType!);
        return app;
    }

    // A crashed delivery's worktree (<repository>-<32 hex>), two days old: past WorktreeMaxAge's default of 6 hours.
    private static string StaleWorktree(string root, string repository)
    {
        var path = Path.Combine(root, "worktrees", $"{repository}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "file.txt"), "left behind\n");
        Directory.SetLastWriteTimeUtc(path, TimeProvider.System.GetUtcNow().UtcDateTime.AddDays(-2));
        return path;
    }

    private static async Task WaitUntilGoneAsync(string path, string what, CancellationToken cancellationToken)
    {
        var limit = TimeSpan.FromSeconds(30);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        while (Directory.Exists(path))
        {
            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"{Path.GetFileName(path)} is still there {limit.TotalSeconds} s later: {what} did not remove it.");
            }
        }
    }
}
