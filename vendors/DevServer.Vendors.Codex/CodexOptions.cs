using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.Codex;

/// <summary>How far codex's sandbox lets the agent reach.</summary>
internal enum CodexSandbox
{
    /// <summary><c>-s workspace-write</c>: the agent writes only in the worktree (and temp), without network.</summary>
    WorkspaceWrite,

    /// <summary>
    /// <c>--dangerously-bypass-approvals-and-sandbox</c>: no sandbox at all. For sidecars that are themselves a sandbox
    /// (a container or VM), or where Linux's landlock/seccomp sandbox is not available to codex.
    /// </summary>
    DangerFullAccess,
}

/// <summary>How the sidecar runs the Codex CLI (section <c>Codex</c>).</summary>
internal sealed class CodexOptions() : AgentCliSettings(Section, "codex", BillingMode.ApiKey, DefaultModels)
{
    public const string Section = "Codex";

    /// <summary>The sandbox the agent runs in.</summary>
    public CodexSandbox Sandbox { get; set; } = CodexSandbox.WorkspaceWrite;

    /// <summary>
    /// The model codex uses when a run names none (codex's own config decides; its output never names the model): only
    /// to price such runs.
    /// </summary>
    public string? PricingModel { get; set; } = "gpt-5-codex";

    /// <summary>US dollars per million tokens by model id (prefix match); configured entries replace or add to the defaults.</summary>
    public Dictionary<string, TokenPrice> Prices { get; set; } = CodexPrices.Published();

    public static IReadOnlyList<string> DefaultModels { get; } = ["gpt-5-codex", "gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5"];
}

/// <summary>OpenAI's published API prices for the models codex runs.</summary>
internal static class CodexPrices
{
    // Source: https://openai.com/api/pricing (standard tier, USD per 1M tokens: input / cached input / output), as
    // listed in May 2026 summaries (fernando-nog.netlify.app "GPT coding model costs 2026", nicolalazzari.ai,
    // deploybase.ai); checked 2026-11-21. Override or add models in Codex:Prices.
    public static Dictionary<string, TokenPrice> Published() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["gpt-5"] = new(1.25m, 0.125m, 10.00m),
        ["gpt-5-codex"] = new(1.25m, 0.125m, 10.00m),
        ["gpt-5-mini"] = new(0.25m, 0.025m, 2.00m),
        ["gpt-5.1"] = new(1.25m, 0.125m, 10.00m),
        ["gpt-5.1-codex"] = new(1.25m, 0.125m, 10.00m),
        ["gpt-5.1-codex-max"] = new(1.25m, 0.125m, 10.00m),
        ["gpt-5.1-codex-mini"] = new(0.25m, 0.025m, 2.00m),
        ["gpt-5.2"] = new(1.75m, 0.175m, 14.00m),
        ["gpt-5.2-codex"] = new(1.75m, 0.175m, 14.00m),
        ["gpt-5.3-codex"] = new(1.75m, 0.175m, 14.00m),
    };
}
