using DevServer.Delivery.Git;
using DevServer.Orchestrator.Delivery;
using DevServer.Orchestrator.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace DevServer.Orchestrator.Tests.Delivery;

/// <summary>Delivery's settings as the orchestrator reads them: the wait after a transient failure, and the git limits handed to the flows.</summary>
public sealed class DeliveryOptionsTests
{
    [Theory]
    [InlineData(1, null, 30)]
    [InlineData(2, null, 120)]
    [InlineData(9, null, 600)]
    [InlineData(1, 10, 30)]
    [InlineData(1, 900, 900)]
    [InlineData(3, 900, 900)]
    [InlineData(1, 86_400, 3_600)]
    public void RetryDelay_BackoffStepOrTheForgesLongerAdvice_CappedAtAnHour(int failures, int? forgeSeconds, int expectedSeconds)
    {
        var options = new DeliveryOptions();

        var delay = options.RetryDelay(failures, forgeSeconds is { } s ? TimeSpan.FromSeconds(s) : null);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }

    [Fact]
    public void AddDelivery_GitLimitsConfigured_HandedToTheGitFlows()
    {
        using var root = new TestDirectory();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = root.Path });
        builder.Configuration["Orchestrator:Delivery:Root"] = root.Path;
        builder.Configuration["Orchestrator:Delivery:GitCommandTimeout"] = "00:02:00";
        builder.Configuration["Orchestrator:Delivery:GitStallTime"] = "00:00:20";
        builder.Configuration["Orchestrator:Delivery:GitStallBytesPerSecond"] = "500";
        builder.AddDelivery();
        using var services = builder.Services.BuildServiceProvider();

        var git = services.GetRequiredService<GitDeliveryOptions>();

        Assert.Equal((TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(20), 500), (git.CommandTimeout, git.StallTime, git.StallBytesPerSecond));
    }

    [Fact]
    public void IsValid_GitLimitOutOfRange_Refused()
    {
        Assert.True(DeliveryOptions.IsValid(new DeliveryOptions()));
        Assert.False(DeliveryOptions.IsValid(new DeliveryOptions { GitCommandTimeout = TimeSpan.Zero }));
        Assert.False(DeliveryOptions.IsValid(new DeliveryOptions { GitStallTime = TimeSpan.FromMilliseconds(500) }));
        Assert.False(DeliveryOptions.IsValid(new DeliveryOptions { GitStallBytesPerSecond = 0 }));
    }
}
