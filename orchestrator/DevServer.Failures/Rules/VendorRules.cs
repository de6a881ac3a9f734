using System.Text.RegularExpressions;
using static DevServer.Failures.FailureRule;

namespace DevServer.Failures;

/// <summary>Agent CLI failures that come from the vendor (texts from shared/fixtures/agent-cli and spec/agent-clis.md).</summary>
internal static partial class VendorRules
{
    public static readonly FailureRule Auth = Create(
        "vendor.auth",
        FailureSeverity.Hard,
        "The agent CLI is not authenticated: an invalid or expired API key or login (Claude, Codex, Gemini).",
        AuthMatch(),
        c => $"The agent CLI could not authenticate with its vendor ({c["message"]}). Retrying cannot fix this: renew the API key or log the CLI in on the worker.");

    public static readonly FailureRule RateLimit = Create(
        "vendor.rate_limit",
        FailureSeverity.Recoverable,
        "The vendor's usage, quota or rate limit was hit (Claude usage limit, API 429 rate_limit_error, Gemini RESOURCE_EXHAUSTED, Codex usage limit, GLM 1308).",
        RateLimitMatch(),
        c => $"Vendor limit reached: {c["message"].TrimEnd('.')}. Not a problem in the code: wait for the limit to reset (or fail over to another vendor) and run the same attempt again, unchanged.");

    public static readonly FailureRule Overloaded = Create(
        "vendor.overloaded",
        FailureSeverity.Recoverable,
        "The vendor's API is overloaded or failing (HTTP 5xx, overloaded_error) after the CLI's own retries.",
        OverloadedMatch(),
        c => $"The vendor's API failed on its side ({c["message"]}). Transient: retry the same attempt later; nothing in the code needs to change.");

    [GeneratedRegex("""(?<message>Invalid API key[^"\\]*|Not logged in · Please run /login|Failed to authenticate[^"\\]*|OAuth token has expired[^"\\]*|authentication_failed|\\?"authentication_error\\?"|Incorrect API key provided|invalid_api_key|API key not valid[^"\\]*|Please set an Auth method[^"\\]*|unexpected status 401 Unauthorized)""", Options, TimeoutMilliseconds)]
    private static partial Regex AuthMatch();

    [GeneratedRegex("""(?i)(?<message>(?:Claude AI )?usage limit reached[^"\\|]*|You've hit your (?:usage )?limit[^"\\]*|You're out of extra usage[^"\\]*|\b\d{1,2}-hour limit reached[^"\\]*|rate_limit_error|Rate limited\. Please try again later|RESOURCE_EXHAUSTED|exhausted your capacity[^"\\\]]*|You exceeded your current quota|TerminalQuotaError|"error":"rate_limit")""", Options, TimeoutMilliseconds)]
    private static partial Regex RateLimitMatch();

    [GeneratedRegex("""(?<message>overloaded_error|API Error: 5\d\d\b[^"\\{]*|"api_error_status":5\d\d)""", Options, TimeoutMilliseconds)]
    private static partial Regex OverloadedMatch();
}
