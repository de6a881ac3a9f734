using System.ComponentModel.DataAnnotations;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Agents.Parsing;

namespace DevServer.Vendors.Core.Tests.Agents;

/// <summary>The pieces of the kit every agent-CLI vendor builds on: billing variables, prices, error phrases, settings.</summary>
public sealed class AgentCliPiecesTests
{
    private static readonly SidecarEnvironment Sidecar = new(new Dictionary<string, string>
    {
        ["VENDOR_API_KEY"] = "key",
        ["VENDOR_BASE_URL"] = "https://proxy.example",
        ["VENDOR_LOGIN_TOKEN"] = "token",
        ["VENDOR_EMPTY"] = string.Empty,
    });

    [Theory]
    [InlineData(BillingMode.ApiKey, "VENDOR_API_KEY,VENDOR_BASE_URL")]
    [InlineData(BillingMode.Subscription, "VENDOR_LOGIN_TOKEN")]
    [InlineData(BillingMode.Unspecified, "")]
    public void PassForBilling_EachMode_PassesOnlyThatModesVariablesThatAreSet(BillingMode billing, string expected)
    {
        var environment = new Dictionary<string, string>();

        Sidecar.PassForBilling(environment, billing, ["VENDOR_API_KEY", "VENDOR_BASE_URL", "VENDOR_EMPTY", "VENDOR_UNSET"], ["VENDOR_LOGIN_TOKEN"]);

        Assert.Equal(expected, string.Join(',', environment.Keys.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void PriceTable_DatedModelAndFallbacks_LongestPrefixThenTheFirstPricedModel()
    {
        var prices = new TokenPriceTable(new Dictionary<string, TokenPrice>(StringComparer.OrdinalIgnoreCase)
        {
            ["model"] = new(1m, 0.1m, 10m),
            ["model-mini"] = new(0.5m, 0.05m, 5m),
        });
        var usage = new TokenUsage { InputTokens = 1_000_000, CacheWriteTokens = 1_000_000, CacheReadTokens = 1_000_000, OutputTokens = 1_000_000 };

        Assert.Equal(prices.Prices["model-mini"], prices.Find("MODEL-mini-2026-01-01"));
        Assert.Null(prices.Find("other"));
        // Cache writes are input; the unknown model is passed over for the next one.
        Assert.Equal((2 * 0.5m) + 0.05m + 5m, prices.CostOf(usage, "other", null, "model-mini", "model"));
        Assert.Equal(0m, prices.CostOf(usage, "other"));
    }

    [Fact]
    public void ErrorPhrases_SeveralRulesMatch_TheFirstRuleWinsIgnoringCase()
    {
        var phrases = new ErrorPhrases(
            (AgentErrorKind.RateLimited, ["usage limit"]),
            (AgentErrorKind.Billing, ["quota exceeded"]));

        Assert.Equal(AgentErrorKind.RateLimited, phrases.Classify("Quota exceeded: you hit your USAGE LIMIT"));
        Assert.Equal(AgentErrorKind.Billing, phrases.Classify("Quota exceeded."));
        Assert.Equal(AgentErrorKind.Unspecified, phrases.Classify("HTTP 429"));
        Assert.Equal(AgentErrorKind.Unspecified, phrases.Classify(null));
    }

    [Theory]
    [InlineData("Please retry in 44.5s.", 44_500)]
    [InlineData("Your quota will reset after 2h30m5s.", 9_005_000)]
    [InlineData("Retrying after 6173ms", 6_173)]
    [InlineData("Try again in 17 seconds.", 17_000)]
    public void RetryHints_VendorWording_TheWaitItNames(string text, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), RetryHints.WaitFrom(text));
    }

    [Fact]
    public void RetryHints_NoWaitNamed_Null()
    {
        Assert.Null(RetryHints.WaitFrom("Rate limit exceeded (429)."));
    }

    [Fact]
    public void Settings_UnspecifiedBilling_FailsValidationNamingTheSection()
    {
        var settings = new SampleSettings { DefaultBillingMode = BillingMode.Unspecified };
        var errors = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(settings, new ValidationContext(settings), errors, validateAllProperties: true));

        Assert.Equal("Sample:DefaultBillingMode must be ApiKey or Subscription.", Assert.Single(errors).ErrorMessage);
    }

    [Fact]
    public void Settings_EmptyCliPath_FailsValidation()
    {
        var settings = new SampleSettings { CliPath = string.Empty };
        var errors = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(settings, new ValidationContext(settings), errors, validateAllProperties: true));

        Assert.Equal([nameof(AgentCliSettings.CliPath)], Assert.Single(errors).MemberNames);
    }

    [Fact]
    public void Settings_NoModelsConfigured_OffersTheVendorsDefaultsAndBillsTheDefaultMode()
    {
        var settings = new SampleSettings();

        Assert.Equal(["a", "b"], settings.OfferedModels);
        Assert.Equal(BillingMode.Subscription, settings.BillingOf(AgentCliFixtures.Run(BillingMode.Unspecified)));
        Assert.Equal(BillingMode.ApiKey, settings.BillingOf(AgentCliFixtures.Run(BillingMode.ApiKey)));
        settings.Models.Add("c");
        Assert.Equal(["c"], settings.OfferedModels);
    }

    private sealed class SampleSettings() : AgentCliSettings("Sample", "sample-cli", BillingMode.Subscription, ["a", "b"]);
}
