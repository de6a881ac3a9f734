using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.ClaudeCode;

/// <summary>Where a run's cost comes from.</summary>
internal sealed record ClaudeCost(ClaudeCostSource Source, TokenPriceTable? Prices)
{
    /// <summary>Subscription billing: nothing is charged per run.</summary>
    public static ClaudeCost None { get; } = new(ClaudeCostSource.None, null);

    /// <summary>Anthropic API key: the CLI's total_cost_usd.</summary>
    public static ClaudeCost Reported { get; } = new(ClaudeCostSource.Reported, null);

    /// <summary>Another endpoint (GLM): tokens times that endpoint's prices; the CLI's figure uses Anthropic's prices.</summary>
    public static ClaudeCost FromTokens(TokenPriceTable prices) => new(ClaudeCostSource.FromTokens, prices);
}

internal enum ClaudeCostSource
{
    None,
    Reported,
    FromTokens,
}
