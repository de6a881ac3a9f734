using System.Globalization;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.ClaudeCode;

/// <summary>
/// Claude Code run non-interactively (<c>claude -p --output-format stream-json --verbose …</c>), for Anthropic or for
/// GLM depending on the profile. The environment is built from nothing: the kit passes only harmless variables
/// (PATH, HOME, LANG, …) plus exactly what this returns, so a key the billing mode does not ask for never reaches the CLI.
/// </summary>
/// <param name="profile">The sidecar's settings.</param>
/// <param name="sidecar">The SIDECAR's environment (its keys and tokens); tests pass their own.</param>
public sealed class ClaudeCodeCli(ClaudeCodeProfile profile, SidecarEnvironment sidecar) : IAgentCli
{
    public const string ApiKeyVariable = "ANTHROPIC_API_KEY";
    public const string OAuthTokenVariable = "CLAUDE_CODE_OAUTH_TOKEN";

    public ClaudeCodeProfile Profile { get; } = profile ?? throw new ArgumentNullException(nameof(profile));

    public AgentCliDescription Description => new(Profile.Vendor, Profile.Models, ResumesSessions: true, ReportsCost: true)
    {
        DefaultBillingMode = Profile.DefaultBillingMode,
    };

    public AgentCommand BuildCommand(AgentRunRequest run)
    {
        ArgumentNullException.ThrowIfNull(run);
        List<string> arguments = ["-p", "--output-format", "stream-json", "--verbose"];
        if ((run.Model ?? Profile.DefaultModel) is { Length: > 0 } model)
        {
            arguments.AddRange(["--model", model]);
        }

        if (run.MaxTurns > 0)
        {
            arguments.AddRange(["--max-turns", run.MaxTurns.ToString(CultureInfo.InvariantCulture)]);
        }

        arguments.AddRange(["--permission-mode", "bypassPermissions"]);
        if (!string.IsNullOrWhiteSpace(run.Instructions))
        {
            arguments.AddRange(["--append-system-prompt", run.Instructions]);
        }

        if (run.AllowedTools.Count > 0)
        {
            arguments.AddRange(["--allowedTools", string.Join(',', run.AllowedTools)]);
        }

        if (!string.IsNullOrEmpty(run.ResumeSessionId))
        {
            // The = form: --resume takes an optional value, and a separate value starting with '-' would be a flag.
            arguments.Add($"--resume={run.ResumeSessionId}");
        }

        // After --, the prompt is never read as an option whatever it starts with.
        arguments.AddRange(["--", run.Prompt]);
        return new AgentCommand(Profile.CliPath, arguments, Variables(run), new Dictionary<string, string>());
    }

    public IAgentOutputParser CreateParser(AgentRunRequest run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var cost = run.BillingMode == BillingMode.Subscription
            ? ClaudeCost.None
            : Profile.Glm is { } glm ? ClaudeCost.FromTokens(glm.Prices) : ClaudeCost.Reported;
        return new ClaudeStreamParser(cost, resumed: run.ResumeSessionId is not null, run.Model ?? Profile.DefaultModel);
    }

    public string? AuthenticationFix(AgentRunRequest run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (Profile.Glm is { } glm)
        {
            return $"set {glm.ApiKeyVariable} in the sidecar's environment to a valid Z.ai / Zhipu API key " +
                $"(the CLI gets it as ANTHROPIC_AUTH_TOKEN for {glm.BaseUrl})";
        }

        return run.BillingMode == BillingMode.Subscription
            ? $"run `claude /login` as the sidecar's user (or set {OAuthTokenVariable} from `claude setup-token` in the sidecar's " +
                $"environment) for subscription billing, or set {ApiKeyVariable} and use API-key billing"
            : $"set {ApiKeyVariable} in the sidecar's environment for API-key billing, or run `claude /login` as the sidecar's " +
                $"user (or set {OAuthTokenVariable}) for subscription billing";
    }

    private Dictionary<string, string> Variables(AgentRunRequest run)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Profile.Glm is { } glm)
        {
            // Never ANTHROPIC_API_KEY: an Anthropic key must not be sent to Zhipu. The Coding Plan (subscription) and
            // pay-as-you-go (API key) both authenticate with the Zhipu key; only the reported cost differs.
            variables["ANTHROPIC_BASE_URL"] = glm.BaseUrl.ToString().TrimEnd('/');
            if (sidecar.Get(glm.ApiKeyVariable) is { } key)
            {
                variables["ANTHROPIC_AUTH_TOKEN"] = key;
            }

            variables["API_TIMEOUT_MS"] = ((long)glm.ApiTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            variables["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
            variables["CLAUDE_CODE_MAX_RETRIES"] = glm.MaxRetries.ToString(CultureInfo.InvariantCulture);
            variables["CLAUDE_CONFIG_DIR"] = glm.ConfigDirectory ?? Path.Combine(run.RunDirectory, "claude-config");
            foreach (var (alias, model) in glm.ModelAliases)
            {
                variables[$"ANTHROPIC_DEFAULT_{alias.ToUpperInvariant()}_MODEL"] = model;
            }
        }
        else
        {
            // Subscription: no key, so the CLI uses its claude.ai login (~/.claude) or this long-lived token of that login.
            sidecar.PassForBilling(variables, run.BillingMode, [ApiKeyVariable], [OAuthTokenVariable]);
        }

        if (run.RunsAsRoot)
        {
            // Claude Code refuses bypassPermissions as root unless told it runs in a sandbox.
            variables["IS_SANDBOX"] = "1";
        }

        return variables;
    }
}
