using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.Gemini;

/// <summary>How the sidecar runs the Gemini CLI (section <c>Gemini</c>).</summary>
internal sealed class GeminiOptions() : AgentCliSettings(Section, "gemini", BillingMode.ApiKey, DefaultModels)
{
    public const string Section = "Gemini";

    /// <summary>The model used to price a run whose output names no model the price table knows.</summary>
    public string? PricingModel { get; set; } = "gemini-2.5-pro";

    /// <summary>US dollars per million tokens by model id (prefix match); configured entries replace or add to the defaults.</summary>
    public Dictionary<string, TokenPrice> Prices { get; set; } = GeminiPrices.Published();

    public static IReadOnlyList<string> DefaultModels { get; } = ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-3-pro-preview"];
}

/// <summary>Google's published Gemini API prices (paid tier, prompts up to 200k tokens).</summary>
internal static class GeminiPrices
{
    // Source: https://ai.google.dev/gemini-api/docs/pricing (Gemini Developer API, standard paid tier, prompts
    // <= 200k tokens, USD per 1M tokens; cached = context-cache read), as summarised in January–March 2026 by
    // deploybase.ai and aifreeapi.com and in Google's developer forum; checked 2026-11-21. Prompts over 200k tokens
    // cost more on the pro models, and Vertex AI prices can differ: override them in Gemini:Prices.
    public static Dictionary<string, TokenPrice> Published() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["gemini-2.5-pro"] = new(1.25m, 0.125m, 10.00m),
        ["gemini-2.5-flash"] = new(0.30m, 0.03m, 2.50m),
        ["gemini-2.5-flash-lite"] = new(0.10m, 0.01m, 0.40m),
        ["gemini-3-pro-preview"] = new(2.00m, 0.20m, 12.00m),
    };
}
