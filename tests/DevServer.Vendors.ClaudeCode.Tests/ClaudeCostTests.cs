using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Tests.Agents;

namespace DevServer.Vendors.ClaudeCode.Tests;

/// <summary>What a run costs: the CLI's figure for Anthropic keys, GLM's prices for GLM, nothing for subscriptions.</summary>
public sealed class ClaudeCostTests
{
    private const string GlmInit = """{"type":"system","subtype":"init","session_id":"g","model":"glm-4.6","tools":[]}""";

    [Fact]
    public void Cost_GlmApiKeyWithModelUsage_TokensTimesGlmPricesPerModel()
    {
        var result = """{"type":"result","subtype":"success","is_error":false,"num_turns":1,"session_id":"g","total_cost_usd":9.99,"usage":{"input_tokens":1,"output_tokens":1},"modelUsage":{"glm-4.6":{"inputTokens":1000000,"outputTokens":1000000,"cacheReadInputTokens":1000000,"cacheCreationInputTokens":1000000},"glm-4.5-air":{"inputTokens":2000000,"outputTokens":0,"cacheReadInputTokens":0,"cacheCreationInputTokens":0}}}""";

        var (_, report) = Fixtures.Parse(Fixtures.GlmParser(), [GlmInit, result], 0);

        // glm-4.6: (1M + 1M cache writes) × 0.60 + 1M × 2.20 + 1M × 0.11; glm-4.5-air: 2M × 0.20.
        Assert.Equal(1.20 + 2.20 + 0.11 + 0.40, report.CostUsd, 9);
    }

    [Fact]
    public void Cost_GlmApiKeyWithoutModelUsage_TotalsAtTheInitModelsPrices()
    {
        var result = """{"type":"result","subtype":"success","is_error":false,"num_turns":1,"session_id":"g","total_cost_usd":9.99,"usage":{"input_tokens":500000,"output_tokens":100000,"cache_read_input_tokens":1000000,"cache_creation_input_tokens":0}}""";

        var (_, report) = Fixtures.Parse(Fixtures.GlmParser(), [GlmInit, result], 0);

        Assert.Equal(0.30 + 0.22 + 0.11, report.CostUsd, 9);
    }

    [Fact]
    public void Cost_GlmUnpricedModel_Zero()
    {
        var (_, report) = Fixtures.Parse(Fixtures.GlmParser(), AgentCliFixtures.Lines("claude-stream-tool-use.jsonl"), 0);

        Assert.Equal(0, report.CostUsd);
        Assert.Equal(424, report.Usage.OutputTokens);
    }

    [Theory]
    [InlineData("claude")]
    [InlineData("glm")]
    public void Cost_SubscriptionBilling_ZeroWithTokensStillCounted(string vendor)
    {
        var parser = vendor == "glm" ? Fixtures.GlmParser(BillingMode.Subscription) : Fixtures.ClaudeParser(BillingMode.Subscription);

        var (_, report) = Fixtures.Parse(parser, AgentCliFixtures.Lines("claude-stream-tool-use.jsonl"), 0);

        Assert.Equal(0, report.CostUsd);
        Assert.Equal(25067, report.Usage.CacheWriteTokens);
    }

    [Fact]
    public void Cost_OldCostField_ReadWhenTotalIsMissing()
    {
        var (_, report) = Fixtures.Parse(Fixtures.ClaudeParser(), ["""{"type":"result","subtype":"success","is_error":false,"session_id":"s","cost_usd":0.25}"""], 0);

        Assert.Equal(0.25, report.CostUsd);
    }

    [Fact]
    public void PriceTable_DatedModelId_PricedByItsLongestPrefix()
    {
        var prices = new TokenPriceTable(GlmPrices.Published());

        Assert.Equal(new TokenPrice(0.20m, 0.03m, 1.10m), prices.Find("glm-4.5-air-20250728"));
        Assert.Null(prices.Find("claude-opus-4-5"));
    }
}
