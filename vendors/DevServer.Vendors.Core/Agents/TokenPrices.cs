using DevServer.Contracts.Work.V1;

namespace DevServer.Vendors.Core.Agents;

/// <summary>
/// US dollars per million tokens of one model. Settable, so a sidecar binds its <c>&lt;Vendor&gt;:Prices:&lt;model&gt;</c>
/// section over its published defaults and an operator corrects a price without a release.
/// </summary>
public sealed record TokenPrice
{
    public TokenPrice()
    {
    }

    public TokenPrice(decimal input, decimal cachedInput, decimal output)
    {
        Input = input;
        CachedInput = cachedInput;
        Output = output;
    }

    /// <summary>Input tokens not served from the cache, and cache writes (billed as input where a vendor reports them).</summary>
    public decimal Input { get; set; }

    /// <summary>Input tokens read from the cache.</summary>
    public decimal CachedInput { get; set; }

    /// <summary>Output tokens, reasoning included.</summary>
    public decimal Output { get; set; }

    /// <summary>The cost of <paramref name="usage"/> at this price.</summary>
    public decimal CostOf(TokenUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return (((usage.InputTokens + usage.CacheWriteTokens) * Input) + (usage.CacheReadTokens * CachedInput) + (usage.OutputTokens * Output)) / 1_000_000m;
    }
}

/// <summary>
/// Prices by model id, for vendors whose CLI reports tokens but no (or a wrong) cost: GLM through Claude Code,
/// Gemini, Codex.
/// </summary>
public sealed class TokenPriceTable(IReadOnlyDictionary<string, TokenPrice> prices)
{
    /// <summary>The models priced.</summary>
    public IReadOnlyDictionary<string, TokenPrice> Prices { get; } = prices ?? throw new ArgumentNullException(nameof(prices));

    /// <summary>The price of a model: its exact id, else the longest priced id it starts with (dated or preview builds).</summary>
    public TokenPrice? Find(string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return null;
        }

        if (Prices.TryGetValue(model, out var exact))
        {
            return exact;
        }

        TokenPrice? best = null;
        var bestLength = -1;
        foreach (var (id, price) in Prices)
        {
            if (model.StartsWith(id, StringComparison.OrdinalIgnoreCase) && id.Length > bestLength)
            {
                best = price;
                bestLength = id.Length;
            }
        }

        return best;
    }

    /// <summary>The cost of <paramref name="usage"/> at the first of <paramref name="models"/> that has a price; 0 when none has.</summary>
    public decimal CostOf(TokenUsage usage, params ReadOnlySpan<string?> models)
    {
        foreach (var model in models)
        {
            if (Find(model) is { } price)
            {
                return price.CostOf(usage);
            }
        }

        return 0;
    }
}
