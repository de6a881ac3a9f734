using System.ComponentModel.DataAnnotations;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.ClaudeCode;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.Glm;

/// <summary>
/// How the glm sidecar runs Claude Code against Z.ai / Zhipu (section <c>Glm</c>). DefaultBillingMode: ApiKey (pay as
/// you go; cost computed from tokens) or Subscription (the GLM Coding Plan, the default; the same key, cost 0). The
/// models offered default to glm-4.6, glm-4.7 and glm-4.5-air, and work that names no model gets glm-4.6 (an unmapped
/// Claude alias would fail with 1211 Unknown Model).
/// </summary>
internal sealed class GlmOptions() : ClaudeCodeSettings(Vendor, Section, BillingMode.Subscription, ["glm-4.6", "glm-4.7", "glm-4.5-air"], defaultModel: "glm-4.6")
{
    public const string Vendor = "glm";
    public const string Section = "Glm";

    /// <summary>Z.ai's Anthropic-compatible endpoint; mainland China: https://open.bigmodel.cn/api/anthropic.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://api.z.ai/api/anthropic");

    /// <summary>The sidecar's environment variable that holds the Z.ai / Zhipu key (passed as ANTHROPIC_AUTH_TOKEN).</summary>
    [Required(AllowEmptyStrings = false)]
    public string ApiKeyVariable { get; set; } = "GLM_API_KEY";

    /// <summary>ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU}_MODEL: what the CLI's aliases (and its side tasks) use.</summary>
    public Dictionary<string, string> ModelAliases { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["opus"] = "glm-4.6",
        ["sonnet"] = "glm-4.6",
        ["haiku"] = "glm-4.5-air",
    };

    /// <summary>CLAUDE_CODE_MAX_RETRIES: low, as retrying a 1308 quota or 1113 balance error only wastes time.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>The CLI's config folder; empty means one per task under the run folder, apart from any Anthropic login.</summary>
    public string? ConfigDirectory { get; set; }

    /// <summary>USD per million tokens by model id (prefix match), over <see cref="GlmPrices.Published"/> (see there for the source).</summary>
    public Dictionary<string, TokenPrice> Prices { get; set; } = GlmPrices.Published();

    public override ClaudeCodeProfile ToProfile() => base.ToProfile() with
    {
        Glm = new GlmEndpoint
        {
            BaseUrl = BaseUrl,
            ApiKeyVariable = ApiKeyVariable,
            ConfigDirectory = string.IsNullOrWhiteSpace(ConfigDirectory) ? null : ConfigDirectory,
            MaxRetries = MaxRetries,
            ModelAliases = new Dictionary<string, string>(ModelAliases, StringComparer.OrdinalIgnoreCase),
            Prices = new TokenPriceTable(new Dictionary<string, TokenPrice>(Prices, StringComparer.OrdinalIgnoreCase)),
        },
    };
}
