using System.Globalization;
using System.Text;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Codex;

/// <summary>
/// Codex CLI headless: <c>codex exec --json --skip-git-repo-check -C &lt;worktree&gt; [-m M] (-s workspace-write |
/// --dangerously-bypass-approvals-and-sandbox) [-c developer_instructions=…] &lt;prompt&gt;</c>, and for a resumed
/// session the same options, then <c>resume &lt;thread_id&gt; &lt;prompt&gt;</c>.
/// </summary>
/// <remarks>
/// Codex has no turn limit (no flag, no setting): <see cref="AgentRunRequest.MaxTurns"/> cannot be enforced, only the
/// attempt's timeout stops a long run. It reports no cost either: the parser computes it from the tokens.
/// </remarks>
internal sealed class CodexCli(IOptions<CodexOptions> options, SidecarEnvironment sidecar, TimeProvider timeProvider) : IAgentCli
{
    public const string Vendor = "codex";

    // CODEX_HOME is where codex keeps its login, config and sessions: passed through in both modes (a subscription run
    // needs the sidecar user's login, and a resumed session must be found again); when unset codex uses ~/.codex.
    private static readonly string[] AlwaysPassed = ["CODEX_HOME"];

    // API-key billing: the keys and the endpoint that goes with them. Subscription billing passes none of them (the
    // kit's base environment is scrubbed), so codex can only use the ChatGPT login in CODEX_HOME.
    private static readonly string[] ApiKeyVariables = ["OPENAI_API_KEY", "OPENAI_BASE_URL"];

    public AgentCliDescription Description =>
        new(Vendor, options.Value.OfferedModels, ResumesSessions: true, ReportsCost: true) { DefaultBillingMode = options.Value.DefaultBillingMode };

    public AgentCommand BuildCommand(AgentRunRequest run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var settings = options.Value;
        List<string> arguments = ["exec", "--json", "--skip-git-repo-check", "-C", run.WorkingDirectory];
        if (!string.IsNullOrEmpty(run.Model))
        {
            arguments.AddRange(["-m", run.Model]);
        }

        if (settings.Sandbox == CodexSandbox.DangerFullAccess)
        {
            arguments.Add("--dangerously-bypass-approvals-and-sandbox");
        }
        else
        {
            arguments.AddRange(["-s", "workspace-write"]);
        }

        if (!string.IsNullOrWhiteSpace(run.Instructions))
        {
            arguments.AddRange(["-c", "developer_instructions=" + TomlString(run.Instructions)]);
        }

        // Options before `resume`: older builds take them only there.
        if (!string.IsNullOrEmpty(run.ResumeSessionId))
        {
            arguments.AddRange(["resume", run.ResumeSessionId]);
        }

        // A prompt starting with "-" (a resumed run's failure list, say) would otherwise be read as an option.
        if (run.Prompt.StartsWith('-'))
        {
            arguments.Add("--");
        }

        arguments.Add(run.Prompt);

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        sidecar.Pass(environment, AlwaysPassed);
        var billing = BillingOf(run);
        sidecar.PassForBilling(environment, billing, ApiKeyVariables);
        if (billing == BillingMode.ApiKey)
        {
            // `codex exec` prefers CODEX_API_KEY over a ChatGPT login in CODEX_HOME; OPENAI_API_KEY alone may lose to
            // that login, and then an API-key run would be billed to the subscription.
            if ((sidecar.Get("CODEX_API_KEY") ?? sidecar.Get("OPENAI_API_KEY")) is { } key)
            {
                environment["CODEX_API_KEY"] = key;
            }
        }

        return new AgentCommand(settings.CliPath, arguments, environment, new Dictionary<string, string>(StringComparer.Ordinal));
    }

    public string? AuthenticationFix(AgentRunRequest run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return CodexErrors.AuthenticationFix(BillingOf(run));
    }

    public IAgentOutputParser CreateParser(AgentRunRequest run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new CodexOutputParser(run with { BillingMode = BillingOf(run) }, options.Value, timeProvider);
    }

    /// <summary>
    /// The text as a TOML basic string: <c>-c key=value</c> parses the value as TOML, so raw text such as <c>true</c>,
    /// <c>[x]</c> or one with quotes would change type or fail.
    /// </summary>
    public static string TomlString(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < ' ' or '\u007f':
                    builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    break;
                default: builder.Append(c); break;
            }
        }

        return builder.Append('"').ToString();
    }

    private BillingMode BillingOf(AgentRunRequest run) => options.Value.BillingOf(run);
}
