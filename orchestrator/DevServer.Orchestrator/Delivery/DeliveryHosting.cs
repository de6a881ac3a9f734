using DevServer.Delivery.Git;
using DevServer.Orchestrator.Data;
using Microsoft.Extensions.Options;
using Quartz;

namespace DevServer.Orchestrator.Delivery;

/// <summary>Registers delivery: the git flows on this instance's delivery root, the forge HTTP client, the loop, cleanup.</summary>
internal static class DeliveryHosting
{
    public static readonly JobKey CleanupJobKey = new("delivery-cleanup", "delivery");

    public static WebApplicationBuilder AddDelivery(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section)
            .Validate(DeliveryOptions.IsValid, DeliveryOptions.Requirement).ValidateOnStart();
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<DeliveryOptions>>().Value;
            var root = options.Root.Length > 0
                ? Path.GetFullPath(options.Root)
                : Path.Combine(services.GetRequiredService<DatabaseSettings>().DataDirectory, "delivery");
            return new GitDeliveryOptions(root) { CommitterName = options.CommitterName, CommitterEmail = options.CommitterEmail };
        });
        builder.Services.AddSingleton<GitDelivery>();
        builder.Services.AddSingleton<DeliveryCleanup>();
        // The forge clients apply their own per-request timeout; the handler's must not cut them short.
        builder.Services.AddHttpClient(TaskDelivery.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton<TaskDelivery>();
        builder.Services.AddSingleton<DeliveryLoop>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DeliveryLoop>());
        return builder;
    }

    /// <summary>The periodic cleanup job, added to the scheduler's configuration (called from AddScheduling).</summary>
    public static void AddDeliveryCleanupJob(this IQuartzBuilder quartz, IConfiguration configuration)
    {
        var options = configuration.GetSection(DeliveryOptions.Section).Get<DeliveryOptions>() ?? new DeliveryOptions();
        var interval = options.CleanupInterval > TimeSpan.Zero ? options.CleanupInterval : TimeSpan.FromHours(1);
        quartz.AddJob<DeliveryCleanupJob>(job => job.WithIdentity(CleanupJobKey).StoreDurably());
        quartz.AddTrigger(trigger => trigger.ForJob(CleanupJobKey).WithIdentity("delivery-cleanup", "delivery")
            .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever()));
    }
}
