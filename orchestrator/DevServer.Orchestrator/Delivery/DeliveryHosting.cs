using DevServer.Delivery.Git;
using DevServer.Orchestrator.Data;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Delivery;

/// <summary>Registers delivery: the git flows on this instance's delivery root, the forge HTTP client, the loop, cleanup.</summary>
internal static class DeliveryHosting
{
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
            return new GitDeliveryOptions(root)
            {
                CommitterName = options.CommitterName,
                CommitterEmail = options.CommitterEmail,
                CommandTimeout = options.GitCommandTimeout,
                StallTime = options.GitStallTime,
                StallBytesPerSecond = options.GitStallBytesPerSecond,
            };
        });
        builder.Services.AddSingleton<GitDelivery>();
        builder.Services.AddSingleton<DeliveryCleanup>();
        // Per instance, not a Quartz job: each instance cleans its own root (see DeliveryCleanupService).
        builder.Services.AddHostedService<DeliveryCleanupService>();
        // The forge clients apply their own per-request timeout; the handler's must not cut them short.
        builder.Services.AddHttpClient(TaskDelivery.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton<TaskDelivery>();
        builder.Services.AddSingleton<DeliveryLoop>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DeliveryLoop>());
        return builder;
    }
}
