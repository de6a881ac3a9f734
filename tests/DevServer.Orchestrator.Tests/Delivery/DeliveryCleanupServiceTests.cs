using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DevServer.Orchestrator.Tests.Delivery;

public sealed class DeliveryCleanupServiceTests
{
    [Fact]
    public async Task AddDelivery_ShortInterval_EveryInstanceCleansItsOwnRootAtStartAndThenOnSchedule()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var root = new TestDirectory();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = root.Path });
        builder.Configuration["Orchestrator:Delivery:Root"] = root.Path;
        builder.Configuration["Orchestrator:Delivery:CleanupInterval"] = "00:00:00.200";
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddDelivery();
        await using var app = builder.Build();

        // A hosted service of this instance, not a job of the clustered Quartz store: built as the host builds it.
        var registration = Assert.Single(builder.Services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(DeliveryCleanupService));
        var service = (IHostedService)ActivatorUtilities.CreateInstance(app.Services, registration.ImplementationType!);
        var beforeStart = StaleWorktree(root.Path, "before-start");

        await service.StartAsync(cancellationToken);
        try
        {
            await WaitUntilGoneAsync(beforeStart, cancellationToken);
            var later = StaleWorktree(root.Path, "later");
            await WaitUntilGoneAsync(later, cancellationToken);
        }
        finally
        {
            await service.StopAsync(cancellationToken);
        }
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

    private static async Task WaitUntilGoneAsync(string path, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (Directory.Exists(path))
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
