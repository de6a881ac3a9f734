using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.ClaudeCode;

/// <summary>How one sidecar runs Claude Code: against Anthropic (<see cref="Glm"/> null) or against Z.ai's GLM endpoint.</summary>
public sealed record ClaudeCodeProfile
{
    /// <summary>The vendor id the sidecar registers with (claude, glm).</summary>
    public required string Vendor { get; init; }

    /// <summary>The CLI: a name looked up in PATH, or a path.</summary>
    public string CliPath { get; init; } = "claude";

    /// <summary>The models offered in the Hello; empty means the vendor's default only.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>The model passed when the work names none; null leaves the choice to the CLI.</summary>
    public string? DefaultModel { get; init; }

    /// <summary>The billing mode of work that leaves it unspecified.</summary>
    public BillingMode DefaultBillingMode { get; init; } = BillingMode.ApiKey;

    /// <summary>Set for GLM: the endpoint, key and prices that replace Anthropic's.</summary>
    public GlmEndpoint? Glm { get; init; }
}

/// <summary>Claude Code pointed at Z.ai / Zhipu's Anthropic-compatible endpoint.</summary>
public sealed record GlmEndpoint
{
    /// <summary>The endpoint (international Z.ai; mainland China uses https://open.bigmodel.cn/api/anthropic).</summary>
    public Uri BaseUrl { get; init; } = new("https://api.z.ai/api/anthropic");

    /// <summary>The SIDECAR's environment variable holding the Z.ai / Zhipu key; passed to the CLI as ANTHROPIC_AUTH_TOKEN.</summary>
    public string ApiKeyVariable { get; init; } = "GLM_API_KEY";

    /// <summary>The CLI's own config folder (sessions, settings); null means <c>claude-config</c> in the task's run folder.</summary>
    public string? ConfigDirectory { get; init; }

    /// <summary>
    /// CLAUDE_CODE_MAX_RETRIES: low, because Claude Code retries Zhipu's 429s, and a 1308 quota (hours) or 1113 balance
    /// error never clears within its back-off.
    /// </summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>API_TIMEOUT_MS; Zhipu recommends 3,000,000 ms.</summary>
    public TimeSpan ApiTimeout { get; init; } = TimeSpan.FromMilliseconds(3_000_000);

    /// <summary>What Claude Code's model aliases mean here: keys opus, sonnet, haiku (ANTHROPIC_DEFAULT_*_MODEL).</summary>
    public IReadOnlyDictionary<string, string> ModelAliases { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["opus"] = "glm-4.6",
        ["sonnet"] = "glm-4.6",
        ["haiku"] = "glm-4.5-air",
    };

    /// <summary>Prices for computing the cost from tokens (Claude Code's own figure uses Anthropic's prices).</summary>
    public TokenPriceTable Prices { get; init; } = new(GlmPrices.Published());
}

/// <summary>Z.ai's published GLM prices.</summary>
public static class GlmPrices
{
    /// <summary>
    /// Z.ai pay-as-you-go list prices in USD per million tokens (input / cached input / output), as republished on
    /// 2026-11-21 by public model catalogs that copy Z.ai's price page (Bifrost's Z.ai cost calculator, the OpenClaw
    /// zai provider catalog, opencode's Zhipu model data); docs.z.ai itself could not be read from here. The GLM
    /// sidecar binds <c>Glm:Prices</c> over these, so an operator corrects them without a release. A new table on each
    /// call: binding changes the entries it names.
    /// </summary>
    public static Dictionary<string, TokenPrice> Published() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["glm-4.5"] = new(0.60m, 0.11m, 2.20m),
        ["glm-4.5-air"] = new(0.20m, 0.03m, 1.10m),
        ["glm-4.6"] = new(0.60m, 0.11m, 2.20m),
        ["glm-4.7"] = new(0.60m, 0.11m, 2.20m),
        ["glm-4.7-flash"] = new(0.07m, 0m, 0.40m),
        ["glm-5"] = new(1.00m, 0.20m, 3.20m),
        ["glm-5-turbo"] = new(1.20m, 0.24m, 4.00m),
        ["glm-5.1"] = new(1.20m, 0.24m, 4.00m),
    };
}
