using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Claude;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Glm;
using Microsoft.Extensions.Configuration;

namespace DevServer.Vendors.ClaudeCode.Tests;

/// <summary>The claude and glm sidecars' settings, bound from configuration as their hosts bind them, as profiles.</summary>
public sealed class SidecarOptionsTests
{
    [Fact]
    public void ClaudeOptions_Defaults_ClaudeVendorAliasesAndApiKeyBilling()
    {
        var profile = Bind<ClaudeOptions>("Claude", []).ToProfile();

        Assert.Equal(("claude", "claude", BillingMode.ApiKey, (string?)null, (GlmEndpoint?)null),
            (profile.Vendor, profile.CliPath, profile.DefaultBillingMode, profile.DefaultModel, profile.Glm));
        Assert.Equal(["sonnet", "opus", "haiku"], profile.Models);
    }

    [Fact]
    public void ClaudeOptions_Configured_ModelsReplaceTheDefaults()
    {
        var profile = Bind<ClaudeOptions>("Claude", new()
        {
            ["Claude:CliPath"] = "/opt/claude",
            ["Claude:Models:0"] = "opus",
            ["Claude:DefaultBillingMode"] = "Subscription",
        }).ToProfile();

        Assert.Equal(("/opt/claude", BillingMode.Subscription), (profile.CliPath, profile.DefaultBillingMode));
        Assert.Equal(["opus"], profile.Models);
    }

    [Fact]
    public void GlmOptions_Defaults_ZaiEndpointGlmKeyVariableSubscriptionAndPublishedPrices()
    {
        var profile = Bind<GlmOptions>("Glm", []).ToProfile();

        Assert.Equal(("glm", "glm-4.6", BillingMode.Subscription), (profile.Vendor, profile.DefaultModel, profile.DefaultBillingMode));
        var glm = profile.Glm!;
        Assert.Equal((new Uri("https://api.z.ai/api/anthropic"), "GLM_API_KEY", 2), (glm.BaseUrl, glm.ApiKeyVariable, glm.MaxRetries));
        Assert.Equal(GlmPrices.Published()["glm-4.6"], glm.Prices.Find("glm-4.6"));
    }

    [Fact]
    public void GlmOptions_ConfiguredPricesAndAliases_OverrideOnlyWhatTheyName()
    {
        var profile = Bind<GlmOptions>("Glm", new()
        {
            ["Glm:Prices:glm-4.6:Input"] = "0.5",
            ["Glm:Prices:glm-4.6:Output"] = "2",
            ["Glm:Prices:glm-4.6:CachedInput"] = "0.1",
            ["Glm:Prices:glm-9:Input"] = "3",
            ["Glm:ModelAliases:sonnet"] = "glm-4.7",
            ["Glm:ApiKeyVariable"] = "ZHIPU_API_KEY",
        }).ToProfile();

        var glm = profile.Glm!;
        Assert.Equal(new TokenPrice(input: 0.5m, cachedInput: 0.1m, output: 2m), glm.Prices.Find("glm-4.6"));
        Assert.Equal(3m, glm.Prices.Find("glm-9")!.Input);
        Assert.Equal(GlmPrices.Published()["glm-4.5-air"], glm.Prices.Find("glm-4.5-air"));
        Assert.Equal(("glm-4.7", "glm-4.6", "ZHIPU_API_KEY"), (glm.ModelAliases["sonnet"], glm.ModelAliases["opus"], glm.ApiKeyVariable));
    }

    private static T Bind<T>(string section, Dictionary<string, string?> settings)
        where T : new()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new T();
        configuration.GetSection(section).Bind(options);
        return options;
    }
}
