using System.Globalization;
using System.Text.RegularExpressions;
using DevServer.Contracts.Work.V1;
using Google.Protobuf.WellKnownTypes;

namespace DevServer.Vendors.ClaudeCode;

/// <summary>What a failed run's structured fields and known texts say about why it failed.</summary>
/// <param name="Subtype">result.subtype.</param>
/// <param name="ApiErrorStatus">result.api_error_status: the HTTP status of the failed API call.</param>
/// <param name="AssistantErrors">The top-level <c>error</c> of assistant lines (authentication_failed, rate_limit, …).</param>
/// <param name="Texts">result.result, result.errors[] and the text of assistant lines that carried an error.</param>
/// <param name="RejectedResetsAt">When a rate_limit_event said "rejected": its reset time, or the epoch when it gave none.</param>
/// <param name="RateLimitRejected">Whether a rate_limit_event said "rejected".</param>
internal sealed record ClaudeFailure(
    string Subtype,
    int? ApiErrorStatus,
    IReadOnlyCollection<string> AssistantErrors,
    IReadOnlyList<string> Texts,
    Timestamp? RejectedResetsAt,
    bool RateLimitRejected);

/// <summary>
/// Maps a failed Claude Code (or GLM through Claude Code) run to an error kind, from structured fields first and then
/// from the CLI's known message texts, matched as whole phrases, never a bare number anywhere in the output.
/// </summary>
internal static partial class ClaudeErrors
{
    // Zhipu's endpoint answers in Claude Code's "API Error: <status> <body>" with its business code in error.type.
    private const string GlmQuota = "1308";
    private const string GlmBalance = "1113";
    private const string GlmUnknownModel = "1211";

    // The 1308 reset time carries no zone; Zhipu is in China (UTC+8). Unverified against a live account (see the spec).
    private static readonly TimeSpan GlmResetOffset = TimeSpan.FromHours(8);

    public static (AgentErrorKind Kind, Timestamp? ResetsAt) Classify(ClaudeFailure failure)
    {
        var texts = failure.Texts;
        if (failure.Subtype == "error_max_turns")
        {
            return (AgentErrorKind.MaxTurns, null);
        }

        if (Contains(texts, "No conversation found with session ID"))
        {
            return (AgentErrorKind.SessionNotFound, null);
        }

        foreach (var text in texts)
        {
            if (GlmCode().Match(text) is { Success: true } code)
            {
                return code.Groups[1].Value switch
                {
                    GlmQuota => (AgentErrorKind.RateLimited, GlmResetTime(text)),
                    GlmBalance => (AgentErrorKind.Billing, null),
                    _ => (AgentErrorKind.ModelUnavailable, null),
                };
            }
        }

        var errors = failure.AssistantErrors;
        if (failure.ApiErrorStatus == 401 || errors.Contains("authentication_failed")
            || Contains(texts, "Invalid API key") || Contains(texts, "Not logged in") || Contains(texts, "Failed to authenticate")
            || Contains(texts, "\"authentication_error\""))
        {
            return (AgentErrorKind.Authentication, null);
        }

        if (errors.Contains("billing_error") || Contains(texts, "Credit balance is too low"))
        {
            return (AgentErrorKind.Billing, null);
        }

        if (failure.ApiErrorStatus == 429 || errors.Contains("rate_limit") || failure.RateLimitRejected
            || texts.Any(t => RateLimitText().IsMatch(t)))
        {
            return (AgentErrorKind.RateLimited, failure.RejectedResetsAt ?? LegacyResetTime(texts));
        }

        if (Contains(texts, "prompt is too long"))
        {
            return (AgentErrorKind.ContextTooLong, null);
        }

        if (failure.ApiErrorStatus is >= 500 and < 600 || errors.Contains("server_error")
            || Contains(texts, "overloaded_error") || texts.Any(t => ServerErrorText().IsMatch(t)))
        {
            return (AgentErrorKind.Overloaded, null);
        }

        if (errors.Contains("invalid_request"))
        {
            return (AgentErrorKind.InvalidRequest, null);
        }

        return (AgentErrorKind.Other, null);
    }

    private static bool Contains(IEnumerable<string> texts, string phrase) =>
        texts.Any(t => t.Contains(phrase, StringComparison.OrdinalIgnoreCase));

    // "Usage limit reached for 5 hour. Your limit will reset at 2025-12-15 02:34:52" (or the Chinese variant).
    private static Timestamp? GlmResetTime(string text)
    {
        var match = DateTimeText().Match(text);
        return match.Success && DateTime.TryParseExact(
            match.Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            ? Timestamp.FromDateTimeOffset(new DateTimeOffset(local, GlmResetOffset))
            : null;
    }

    // CLI 1.0.x: "Claude AI usage limit reached|<epoch seconds>".
    private static Timestamp? LegacyResetTime(IEnumerable<string> texts)
    {
        foreach (var text in texts)
        {
            if (LegacyLimit().Match(text) is { Success: true } match
                && long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(seconds));
            }
        }

        return null;
    }

    [GeneratedRegex("\"type\"\\s*:\\s*\"(" + GlmQuota + "|" + GlmBalance + "|" + GlmUnknownModel + ")\"")]
    private static partial Regex GlmCode();

    [GeneratedRegex("[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")]
    private static partial Regex DateTimeText();

    [GeneratedRegex("usage limit reached\\|([0-9]{9,11})", RegexOptions.IgnoreCase)]
    private static partial Regex LegacyLimit();

    // The subscription-limit wordings of the CLI's versions, the API's rate-limit error type, and the CLI's own 429 texts.
    [GeneratedRegex(
        "usage limit reached|hit your limit|out of extra usage|[0-9]+-hour limit reached|\"rate_limit_error\"|Rate limited|API Error: 429\\b",
        RegexOptions.IgnoreCase)]
    private static partial Regex RateLimitText();

    [GeneratedRegex("API Error: 5[0-9]{2}\\b")]
    private static partial Regex ServerErrorText();
}
