using System.Globalization;
using System.Text.RegularExpressions;

namespace DevServer.Cli.Commands;

/// <summary>Durations on the command line: <c>90s</c>, <c>10m</c>, <c>1h30m</c>, <c>500ms</c> or <c>01:30:00</c>.</summary>
internal static partial class DurationText
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
        }

        var match = Units().Match(text);
        if (!match.Success || text.Length == 0)
        {
            return false;
        }

        foreach (Capture capture in match.Groups["part"].Captures)
        {
            var part = Part().Match(capture.Value);
            var value = double.Parse(part.Groups["value"].Value, CultureInfo.InvariantCulture);
            duration += part.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                _ => TimeSpan.FromDays(value),
            };
        }

        return duration > TimeSpan.Zero;
    }

    /// <summary>The message for a value <see cref="TryParse"/> refused.</summary>
    public static string Problem(string optionName, string text) =>
        $"{optionName} '{text}' is not a duration: use a number with a unit (90s, 10m, 1h30m) or hh:mm:ss.";

    [GeneratedRegex(@"^(?<part>\d+(?:\.\d+)?(?:ms|s|m|h|d))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Units();

    [GeneratedRegex(@"^(?<value>\d+(?:\.\d+)?)(?<unit>ms|s|m|h|d)$", RegexOptions.CultureInvariant)]
    private static partial Regex Part();
}
