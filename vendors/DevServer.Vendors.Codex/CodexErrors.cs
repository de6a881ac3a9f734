using System.Globalization;
using System.Text.RegularExpressions;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents.Parsing;
using Google.Protobuf.WellKnownTypes;

namespace DevServer.Vendors.Codex;

/// <summary>
/// Maps the messages of codex's fatal <c>error</c> / <c>turn.failed</c> events (and its stderr) to
/// <see cref="AgentErrorKind"/>. Codex's exit code says only "failed" (1) or "bad arguments" (2), so the words decide.
/// </summary>
/// <remarks>
/// "Quota exceeded. Check your plan and billing details." is OpenAI's <c>insufficient_quota</c>: the API account has no
/// credit left. Waiting does not fix that, so it is BILLING, not RATE_LIMITED (which would only pause and retry).
/// </remarks>
internal static partial class CodexErrors
{
    // A ChatGPT plan's usage limit first (a wait, whatever else its message names), then billing before the rate limits.
    private static readonly ErrorPhrases Phrases = new(
        (AgentErrorKind.RateLimited, ["hit your usage limit"]),
        (AgentErrorKind.Billing, ["Quota exceeded", "insufficient_quota", "To use Codex with your ChatGPT plan, upgrade"]),
        (AgentErrorKind.RateLimited, ["429 Too Many Requests", "Rate limit", "rate_limit_exceeded"]),
        (AgentErrorKind.Authentication, ["401 Unauthorized", "invalid_api_key", "Not logged in", "codex login"]),
        (AgentErrorKind.ContextTooLong, ["ran out of room in the model's context window", "context_length_exceeded"]),
        (AgentErrorKind.ModelUnavailable, ["model is not supported", "model_not_found", "does not exist or you do not have access"]),
        (AgentErrorKind.Overloaded,
        [
            "high demand", "is at capacity", "500 Internal Server Error", "502 Bad Gateway", "503 Service Unavailable",
            "504 Gateway Timeout", "server_error", "overloaded",
        ]),
        (AgentErrorKind.InvalidRequest, ["Not inside a trusted directory", "unexpected argument", "Usage: codex", "invalid value"]));

    public static AgentErrorKind Classify(string? message) => Phrases.Classify(message);

    /// <summary>
    /// When a usage or rate limit ends, from codex's words: "try again at 3:28 PM" (today, in the sidecar's local time),
    /// "try again at Dec 5th, 2025 3:28 PM", or "try again in 2.5s" / "in 17 seconds".
    /// </summary>
    public static Timestamp? ResetsAt(string? message, TimeProvider timeProvider)
    {
        if (string.IsNullOrEmpty(message))
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        var at = TryAgainAt().Match(message);
        if (at.Success)
        {
            var zone = timeProvider.LocalTimeZone;
            var localNow = TimeZoneInfo.ConvertTime(now, zone);
            DateTime local;
            if (at.Groups["date"].Success)
            {
                var date = $"{at.Groups["month"].Value} {at.Groups["day"].Value} {at.Groups["year"].Value} {at.Groups["time"].Value}";
                if (!DateTime.TryParseExact(date, "MMM d yyyy h:mm tt", CultureInfo.InvariantCulture, DateTimeStyles.None, out local))
                {
                    return null;
                }
            }
            else
            {
                if (!DateTime.TryParseExact(at.Groups["time"].Value, "h:mm tt", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
                {
                    return null;
                }

                // Codex prints the time alone when the reset is today (its local day); a time already past means tomorrow.
                local = localNow.Date + time.TimeOfDay;
                if (local < localNow.DateTime.AddMinutes(-1))
                {
                    local = local.AddDays(1);
                }
            }

            var offset = zone.GetUtcOffset(local);
            return Timestamp.FromDateTimeOffset(new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset));
        }

        return RetryHints.WaitFrom(message) is { } wait ? Timestamp.FromDateTimeOffset(now + wait) : null;
    }

    /// <summary>What the operator fixes after an authentication failure, for this billing mode.</summary>
    public static string AuthenticationFix(BillingMode billing) => billing == BillingMode.Subscription
        ? "the run uses subscription billing, so run `codex login` as the sidecar's user (the login is kept in CODEX_HOME, ~/.codex by default)"
        : "the run uses API-key billing, so set OPENAI_API_KEY (or CODEX_API_KEY) in the sidecar's environment";

    [GeneratedRegex(@"try again at (?<date>(?<month>[A-Z][a-z]{2}) (?<day>\d{1,2})(?:st|nd|rd|th), (?<year>\d{4}) )?(?<time>\d{1,2}:\d{2} [AP]M)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TryAgainAt();
}
