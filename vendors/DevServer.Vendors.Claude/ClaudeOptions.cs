using DevServer.Contracts.Work.V1;
using DevServer.Vendors.ClaudeCode;

namespace DevServer.Vendors.Claude;

/// <summary>
/// How the claude sidecar runs Claude Code (section <c>Claude</c>): billed to the sidecar's ANTHROPIC_API_KEY or to
/// the claude.ai login (Subscription); the models offered default to Claude Code's aliases sonnet, opus and haiku, and
/// work that names no model leaves the choice to the CLI.
/// </summary>
internal sealed class ClaudeOptions() : ClaudeCodeSettings(Vendor, Section, BillingMode.ApiKey, ["sonnet", "opus", "haiku"], defaultModel: null)
{
    public const string Vendor = "claude";
    public const string Section = "Claude";
}
