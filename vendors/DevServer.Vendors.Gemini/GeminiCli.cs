using System.Text.Json.Nodes;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Gemini;

/// <summary>
/// Gemini CLI headless: <c>gemini -p &lt;prompt&gt; --output-format stream-json [-m M] --approval-mode yolo --skip-trust
/// [--resume ID]</c> in the worktree.
/// </summary>
/// <remarks>
/// Gemini has no max-turns flag; <c>model.maxSessionTurns</c> is a setting. It goes into a settings file in the run
/// directory that <c>GEMINI_CLI_SYSTEM_SETTINGS_PATH</c> names: the system settings layer overrides the user's and the
/// project's settings, and unlike <c>GEMINI_CLI_HOME</c> it does not move <c>~/.gemini</c>, where the CLI keeps its
/// Google-account login (needed by subscription runs) and its sessions (needed by <c>--resume</c> on a later attempt,
/// whose run directory is a different one). Writing into the worktree's <c>.gemini/</c> would make the file part of the
/// work. The same file pins the auth type, so the billing mode does not depend on what else the user's settings say.
/// </remarks>
internal sealed class GeminiCli(IOptions<GeminiOptions> options, SidecarEnvironment sidecar, TimeProvider timeProvider) : IAgentCli
{
    public const string Vendor = "gemini";
    public const string SettingsFileName = "gemini-system-settings.json";

    // API-key billing: the key and the endpoint/Vertex settings that go with it. Subscription billing passes none of
    // them (the kit's base environment is scrubbed), so the CLI can only use its cached Google login.
    private static readonly string[] ApiKeyVariables =
    [
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "GOOGLE_GENAI_USE_VERTEXAI",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_LOCATION",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_GEMINI_BASE_URL",
        "GOOGLE_VERTEX_BASE_URL",
    ];

    public AgentCliDescription Description =>
        new(Vendor, options.Value.OfferedModels, ResumesSessions: true, ReportsCost: true) { DefaultBillingMode = options.Value.DefaultBillingMode };

    public AgentCommand BuildCommand(AgentRunRequest run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var settings = options.Value;
        var billing = BillingOf(run);
        // A prompt starting with "-" (a resumed run's failure list, say) would be read as options after a separate -p.
        // run.Instructions is not passed: Gemini can only replace its system prompt (GEMINI_SYSTEM_MD), never add to
        // it, and the kit's first prompt already carries the same rules (a resumed session has them in its history).
        var prompt = run.Prompt;
        List<string> arguments = prompt.StartsWith('-') ? ["--prompt=" + prompt] : ["-p", prompt];
        arguments.AddRange(["--output-format", "stream-json"]);
        if (!string.IsNullOrEmpty(run.Model))
        {
            arguments.AddRange(["-m", run.Model]);
        }

        arguments.AddRange(["--approval-mode", "yolo", "--skip-trust"]);
        if (!string.IsNullOrEmpty(run.ResumeSessionId))
        {
            arguments.AddRange(["--resume", run.ResumeSessionId]);
        }

        var settingsFile = Path.Combine(run.RunDirectory, SettingsFileName);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["GEMINI_CLI_TRUST_WORKSPACE"] = "true",
            ["GEMINI_CLI_SYSTEM_SETTINGS_PATH"] = settingsFile,
        };
        sidecar.PassForBilling(environment, billing, ApiKeyVariables);

        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [settingsFile] = SettingsJson(run.MaxTurns, AuthTypeFor(billing)),
        };
        return new AgentCommand(settings.CliPath, arguments, environment, files);
    }

    public string? AuthenticationFix(AgentRunRequest run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return GeminiErrors.AuthenticationFix(BillingOf(run));
    }

    public IAgentOutputParser CreateParser(AgentRunRequest run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new GeminiOutputParser(run with { BillingMode = BillingOf(run) }, options.Value, timeProvider);
    }

    /// <summary>The settings file: the turn limit (-1 = unlimited, Gemini's default) and the auth type.</summary>
    public static string SettingsJson(int maxTurns, string authType)
    {
        var settings = new JsonObject
        {
            ["model"] = new JsonObject { ["maxSessionTurns"] = maxTurns > 0 ? maxTurns : -1 },
            ["security"] = new JsonObject { ["auth"] = new JsonObject { ["selectedType"] = authType } },
        };
        return settings.ToJsonString();
    }

    private BillingMode BillingOf(AgentRunRequest run) => options.Value.BillingOf(run);

    // Gemini's auth types: the Google-account login (subscription), a Gemini API key, or Vertex AI.
    private string AuthTypeFor(BillingMode billing) =>
        billing != BillingMode.ApiKey ? "oauth-personal"
        : string.Equals(sidecar.Get("GOOGLE_GENAI_USE_VERTEXAI"), "true", StringComparison.OrdinalIgnoreCase) ? "vertex-ai"
        : "gemini-api-key";
}
