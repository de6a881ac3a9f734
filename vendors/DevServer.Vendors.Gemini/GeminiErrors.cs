using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents.Parsing;

namespace DevServer.Vendors.Gemini;

/// <summary>
/// Maps Gemini CLI failures to <see cref="AgentErrorKind"/>: by the error's type, then its message, and only then by
/// the exit code. The exit code is ambiguous on its own: for API errors it is the HTTP status mod 256 (429 → 173,
/// 401 → 145, 400 → 144, 404 → 148, 500 → 244, 503 → 247), next to the CLI's own fatal codes (41 auth, 42 input,
/// 44 sandbox, 52 config, 53 turns, 54 tool, 55 untrusted folder, 130 cancelled).
/// </summary>
internal static class GeminiErrors
{
    // No bare "429": a number in a message is not a rate limit (quota texts always carry one of these words).
    private static readonly ErrorPhrases Phrases = new(
        (AgentErrorKind.RateLimited,
        [
            "RESOURCE_EXHAUSTED", "exhausted your capacity", "exhausted your daily quota", "Quota exceeded",
            "exceeded your current quota", "quota will reset", "Too Many Requests", "Rate limit exceeded",
        ]),
        (AgentErrorKind.Billing, ["BILLING_DISABLED", "billing to be enabled"]),
        (AgentErrorKind.Authentication,
        [
            "API key not valid", "API_KEY_INVALID", "Please set an Auth method", "UNAUTHENTICATED", "PERMISSION_DENIED",
            "Failed to login", "login required", "invalid_grant",
        ]),
        (AgentErrorKind.MaxTurns, ["Maximum session turns exceeded", "max session turns"]),
        (AgentErrorKind.ContextTooLong, ["input token count", "exceeds the maximum number of tokens", "context window"]),
        (AgentErrorKind.ModelUnavailable, ["is not found for API version", "not supported for generateContent", "model not found", "is not a valid model"]),
        (AgentErrorKind.Overloaded,
        [
            "No capacity available", "overloaded", "UNAVAILABLE", "Status: INTERNAL", "Internal Server Error", "Service Unavailable",
            "DEADLINE_EXCEEDED",
        ]),
        (AgentErrorKind.SessionNotFound, ["No previous sessions found", "Invalid session identifier", "session not found", "Error resuming session"]),
        (AgentErrorKind.InvalidRequest, ["Unknown argument", "Not enough arguments", "untrusted", "not trusted"]));

    public static AgentErrorKind Classify(string? type, string? message, int? exitCode)
    {
        var byType = type switch
        {
            "TerminalQuotaError" or "RetryableQuotaError" => AgentErrorKind.RateLimited,
            "FatalAuthenticationError" => AgentErrorKind.Authentication,
            "FatalTurnLimitedError" => AgentErrorKind.MaxTurns,
            "FatalInputError" or "FatalConfigError" or "FatalUntrustedWorkspaceError" or "FatalSandboxError" => AgentErrorKind.InvalidRequest,
            _ => AgentErrorKind.Unspecified,
        };
        if (byType != AgentErrorKind.Unspecified)
        {
            return byType;
        }

        var byText = ClassifyText(message);
        return byText != AgentErrorKind.Unspecified ? byText : ClassifyExitCode(exitCode);
    }

    public static AgentErrorKind ClassifyText(string? message) => Phrases.Classify(message);

    public static AgentErrorKind ClassifyExitCode(int? exitCode) => exitCode switch
    {
        41 or 145 or 147 => AgentErrorKind.Authentication,
        42 or 44 or 52 or 55 or 144 => AgentErrorKind.InvalidRequest,
        53 => AgentErrorKind.MaxTurns,
        148 => AgentErrorKind.ModelUnavailable,
        173 => AgentErrorKind.RateLimited,
        244 or 246 or 247 or 248 => AgentErrorKind.Overloaded,
        _ => AgentErrorKind.Other,
    };

    /// <summary>Whether an exit code is one the CLI chooses for a known failure (not a crash or a kill).</summary>
    public static bool IsDeliberate(int? exitCode) => ClassifyExitCode(exitCode) != AgentErrorKind.Other || exitCode is 54 or 130;

    /// <summary>What the operator fixes after an authentication failure, for this billing mode.</summary>
    public static string AuthenticationFix(BillingMode billing) => billing == BillingMode.Subscription
        ? "the run uses subscription billing, so log in once by running `gemini` as the sidecar's user (the Google login is cached in ~/.gemini)"
        : "the run uses API-key billing, so set GEMINI_API_KEY (or GOOGLE_API_KEY / the Vertex AI variables) in the sidecar's environment";
}
