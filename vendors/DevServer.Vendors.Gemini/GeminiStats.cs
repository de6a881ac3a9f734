using System.Text.Json;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Agents.Parsing;

namespace DevServer.Vendors.Gemini;

/// <summary>What Gemini's stream events carry besides text: token stats, their cost, tool parameters.</summary>
internal static class GeminiStats
{
    // Parameter names whose value best says what a tool call does, most telling first.
    private static readonly string[] SummaryParameters =
        ["command", "file_path", "absolute_path", "path", "dir_path", "pattern", "query", "url", "prompt"];

    // Gemini's stream stats: input_tokens is the whole prompt, "input" its uncached part, "cached" the cache reads,
    // output_tokens the answer; thinking (and tool-use prompt) tokens appear only in total_tokens, so the remainder is
    // counted as output: Google bills thinking as output.
    public static TokenUsage? UsageOf(JsonElement? stats)
    {
        if (stats is not { } s || s.Long("total_tokens") is not { } total)
        {
            return null;
        }

        var prompt = s.Long("input_tokens") ?? 0;
        var cached = s.Long("cached") ?? 0;
        var output = s.Long("output_tokens") ?? 0;
        var uncached = s.Long("input") ?? Math.Max(0, prompt - cached);
        return new TokenUsage
        {
            InputTokens = uncached,
            CacheReadTokens = cached,
            OutputTokens = output + Math.Max(0, total - prompt - output),
        };
    }

    /// <summary>
    /// The run's cost: per model when the stats break the run down by model (Gemini routes between pro and flash),
    /// else the whole run at the first of <paramref name="fallbackModels"/> with a price (the reported, requested,
    /// configured model); 0 when none has one.
    /// </summary>
    public static decimal CostOf(JsonElement stats, TokenUsage usage, TokenPriceTable prices, params ReadOnlySpan<string?> fallbackModels)
    {
        if (stats.Object("models") is { } models)
        {
            decimal sum = 0;
            var priced = false;
            foreach (var model in models.EnumerateObject())
            {
                if (UsageOf(model.Value) is { } modelUsage && prices.Find(model.Name) is { } price)
                {
                    sum += price.CostOf(modelUsage);
                    priced = true;
                }
            }

            if (priced)
            {
                return sum;
            }
        }

        return prices.CostOf(usage, fallbackModels);
    }

    public static string ToolSummary(JsonElement? parameters)
    {
        if (parameters is not { } p)
        {
            return string.Empty;
        }

        foreach (var name in SummaryParameters)
        {
            if (p.String(name) is { Length: > 0 } value)
            {
                return AgentText.Summary(value);
            }
        }

        foreach (var property in p.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                return AgentText.Summary(property.Value.GetString());
            }
        }

        return AgentText.Summary(p.GetRawText());
    }
}
