using System.Globalization;
using System.Text.RegularExpressions;

namespace DevServer.Vendors.Core.Agents.Parsing;

/// <summary>
/// Reads how long a vendor asks us to wait from its own words: Gemini's "Please retry in 44.097740004s." (per-minute
/// quota), "Your quota will reset after 5s." / "… after 2h30m5s." (terminal quota) and "Retrying after 6173ms" (the
/// CLI's backoff); Codex's "Please try again in 2.5s.", "Try again in 17 seconds.", "Try again in 5m.".
/// </summary>
public static partial class RetryHints
{
    /// <summary>The wait a quota or rate-limit message names, or null when it names none.</summary>
    public static TimeSpan? WaitFrom(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var match = WaitPhrase().Match(text);
        return match.Success ? Duration(match.Groups["duration"].Value) : null;
    }

    /// <summary>A duration written as one or more number-unit parts (2h30m5s, 44.09s, 6173ms, 17 seconds).</summary>
    public static TimeSpan? Duration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var total = TimeSpan.Zero;
        var any = false;
        foreach (Match part in DurationPart().Matches(text))
        {
            if (!double.TryParse(part.Groups["n"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return null;
            }

            var unit = part.Groups["u"].Value.ToUpperInvariant();
            total += unit switch
            {
                "MS" or "MILLISECOND" or "MILLISECONDS" => TimeSpan.FromMilliseconds(n),
                "H" or "HOUR" or "HOURS" => TimeSpan.FromHours(n),
                "M" or "MIN" or "MINUTE" or "MINUTES" => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromSeconds(n),
            };
            any = true;
        }

        return any ? total : null;
    }

    // A unit ends where no letter follows, not at a word boundary: in "2h30m5s" a digit follows each unit.
    [GeneratedRegex(@"(?:retry in|reset after|try again in|retrying after)\s+(?<duration>(?:\d+(?:\.\d+)?\s*(?:ms|milliseconds?|seconds?|s|minutes?|min|m|hours?|h)(?![a-z])\s*)+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WaitPhrase();

    [GeneratedRegex(@"(?<n>\d+(?:\.\d+)?)\s*(?<u>ms|milliseconds?|seconds?|s|minutes?|min|m|hours?|h)(?![a-z])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DurationPart();
}
