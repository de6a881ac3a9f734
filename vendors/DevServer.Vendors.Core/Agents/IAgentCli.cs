using DevServer.Contracts.Work.V1;

namespace DevServer.Vendors.Core.Agents;

/// <summary>
/// What a vendor sidecar adds to the kit: how to run its agent CLI non-interactively and how to read the CLI's
/// structured output. The kit does everything else (worktree, prompt, process, events, patch series).
/// </summary>
public interface IAgentCli
{
    /// <summary>What the sidecar says about itself when it registers.</summary>
    AgentCliDescription Description { get; }

    /// <summary>The exact command line, environment and files of one run. Pure: no I/O, so tests assert it exactly.</summary>
    AgentCommand BuildCommand(AgentRunRequest run);

    /// <summary>A reader for one run's output (a new one per run: parsers keep state such as the session id).</summary>
    IAgentOutputParser CreateParser(AgentRunRequest run);

    /// <summary>
    /// For an AUTHENTICATION failure: one sentence naming what the operator fixes for this billing mode (the variable to
    /// set or the login to run as the sidecar's user). Null gives a generic sentence.
    /// </summary>
    string? AuthenticationFix(AgentRunRequest run) => null;
}

/// <summary>A vendor sidecar's self-description, sent in its Hello.</summary>
/// <param name="Vendor">The vendor id (claude, glm, gemini, codex).</param>
/// <param name="Models">Models offered; empty means the vendor's default only.</param>
/// <param name="ResumesSessions">Whether a later attempt can resume a run's session.</param>
/// <param name="ReportsCost">Whether results carry a cost (reported by the CLI or computed from tokens).</param>
public sealed record AgentCliDescription(string Vendor, IReadOnlyList<string> Models, bool ResumesSessions, bool ReportsCost)
{
    /// <summary>The billing mode of work that leaves it unspecified (the sidecar's configured default).</summary>
    public BillingMode DefaultBillingMode { get; init; } = BillingMode.ApiKey;
}

/// <summary>Everything a CLI needs for one run, resolved from the assignment and the sidecar's options.</summary>
/// <param name="WorkingDirectory">The worktree the agent works in.</param>
/// <param name="RunDirectory">A private folder outside the worktree for files the run needs (settings, prompt files).</param>
/// <param name="Prompt">The prompt: the whole task on a fresh session, only the new information on a resumed one.</param>
/// <param name="Model">The model; null means the vendor's default.</param>
/// <param name="ResumeSessionId">The session to resume; null starts a new one.</param>
/// <param name="MaxTurns">The turn limit; 0 means none.</param>
/// <param name="BillingMode">API key or subscription (never unspecified here).</param>
/// <param name="AllowedTools">Tools the agent may use without asking; empty means the vendor's default set.</param>
/// <param name="Instructions">Standing instructions appended to the vendor's system prompt, when the CLI can take them.</param>
/// <param name="RunsAsRoot">Whether the CLI runs as root (Claude Code refuses bypass mode as root unless IS_SANDBOX=1).</param>
public sealed record AgentRunRequest(
    string WorkingDirectory,
    string RunDirectory,
    string Prompt,
    string? Model,
    string? ResumeSessionId,
    int MaxTurns,
    BillingMode BillingMode,
    IReadOnlyList<string> AllowedTools,
    string? Instructions,
    bool RunsAsRoot);

/// <summary>How to start the CLI for one run.</summary>
/// <param name="FileName">The program (a name looked up in PATH, or a path).</param>
/// <param name="Arguments">Its arguments, exactly.</param>
/// <param name="Environment">
/// Every variable the child gets on top of the kit's scrubbed base (PATH, HOME, LANG, ...): the vendor's key and
/// endpoint variables for API-key billing, none of them for subscription billing.
/// </param>
/// <param name="Files">Files to write before the start (absolute path under the run directory → content), e.g. settings.</param>
public sealed record AgentCommand(
    string FileName,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> Files);

/// <summary>
/// Reads one run's output. Never throws on bad input: a line that is not JSON, is truncated or has an unknown type
/// becomes an <see cref="UnknownActivity"/> or <see cref="AgentNotice"/>, and the run goes on.
/// </summary>
public interface IAgentOutputParser
{
    /// <summary>
    /// One line of the CLI's standard output; returns what it means (often nothing, sometimes several steps). Never an
    /// <see cref="AgentReport"/>: the kit reports the one <see cref="Finish"/> returns.
    /// </summary>
    IReadOnlyList<AgentActivity> ReadOutputLine(string line);

    /// <summary>One line of the CLI's standard error (Gemini's retries and fatal errors, Codex's warnings).</summary>
    IReadOnlyList<AgentActivity> ReadErrorLine(string line);

    /// <summary>
    /// The run's final report once the CLI has exited: from its terminal event, or CRASHED when there was none. Error
    /// kinds, turns, tokens, cost (0 for subscription billing) and the session id are filled in.
    /// </summary>
    /// <param name="exitCode">The CLI's exit code; null when it was killed.</param>
    AgentReport Finish(int? exitCode);
}
