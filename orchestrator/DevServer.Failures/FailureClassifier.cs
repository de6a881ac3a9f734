using System.Collections.ObjectModel;
using System.Text.RegularExpressions;

namespace DevServer.Failures;

/// <summary>
/// Classifies the output of a failed attempt. Deterministic: the rules are tried in one fixed order (most specific
/// first, see <see cref="Classes"/>) and the first rule with a matching line wins; within a rule the first matching
/// line gives the captured values (for a compiler the first error is the cause, later ones are often consequences).
/// </summary>
public static partial class FailureClassifier
{
    /// <summary>
    /// Only the end of the output is read. Failures are reported at the end (a compiler's errors, a test runner's
    /// summary, an agent CLI's final error), and agent transcripts can run to many megabytes of earlier, successful
    /// work whose quoted errors are history, not the cause. 64 KiB holds a full pytest or Surefire failure section
    /// and dozens of compiler diagnostics while bounding the work per call (about 1,500 lines × the rules).
    /// </summary>
    public const int MaxScannedCharacters = 64 * 1024;

    /// <summary>The most evidence lines a classification carries.</summary>
    public const int MaxEvidenceLines = 3;

    /// <summary>The longest evidence quote; a longer line (a JSON event, minified code) is quoted as a window around the match, marked with ellipses.</summary>
    public const int MaxEvidenceLength = 300;

    /// <summary>Every class in precedence order: when several match, the earlier one wins.</summary>
    public static IReadOnlyList<FailureClass> Classes { get; } =
        new ReadOnlyCollection<FailureClass>([.. FailureRules.All.Select(rule => rule.Class)]);

    /// <summary>The catalogue entry for <paramref name="key"/>, or null.</summary>
    public static FailureClass? Find(string key) => Classes.FirstOrDefault(c => c.Key == key);

    /// <summary>Classifies <paramref name="output"/> (agent output or a verifier stage's output tail).</summary>
    /// <returns>The first class in precedence order with a matching line, or <see cref="FailureClassification.None"/>.</returns>
    public static FailureClassification Classify(string? output)
    {
        if (string.IsNullOrWhiteSpace(output))
        {
            return FailureClassification.None;
        }

        var text = Tail(output);
        var lines = Lines(text);
        foreach (var rule in FailureRules.All)
        {
            if (TryClassify(rule, text, lines) is { } classification)
            {
                return classification;
            }
        }

        return FailureClassification.None;
    }

    /// <summary>The keys of every class whose rule matches <paramref name="output"/> on its own, in precedence order (for tests and docs).</summary>
    internal static IReadOnlyList<string> MatchingKeys(string output)
    {
        var text = Tail(output);
        var lines = Lines(text);
        return [.. FailureRules.All.Where(rule => TryClassify(rule, text, lines) is not null).Select(rule => rule.Class.Key)];
    }

    /// <summary>The last <see cref="MaxScannedCharacters"/> characters from a line start, without ANSI sequences.</summary>
    private static string Tail(string output)
    {
        var start = Math.Max(0, output.Length - MaxScannedCharacters);
        if (start > 0)
        {
            // Start at the first whole line, unless the tail is one huge line.
            var newline = output.IndexOf('\n', start);
            if (newline >= 0 && newline < output.Length - 1)
            {
                start = newline + 1;
            }
        }

        var tail = output[start..];
        return tail.Contains('\u001b', StringComparison.Ordinal) ? Replace(AnsiEscape(), tail, "") : tail;
    }

    private static string[] Lines(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = lines[i].TrimEnd('\r');
        }

        return lines;
    }

    private static FailureClassification? TryClassify(FailureRule rule, string text, string[] lines)
    {
        // (line, column of the match): the column centres the evidence when a line is too long to quote whole.
        var matched = new List<(int Line, int Column)>();
        Match? firstMatch = null;
        for (var i = 0; i < lines.Length && matched.Count < MaxEvidenceLines; i++)
        {
            if (MatchLine(rule.Match, lines[i]) is not { } match || (rule.Skip is not null && MatchLine(rule.Skip, lines[i]) is not null))
            {
                continue;
            }

            firstMatch ??= match;
            matched.Add((i, match.Index));
        }

        if (firstMatch is null || (rule.Requires is not null && !IsMatch(rule.Requires, text)))
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        AddGroups(rule.Match, firstMatch, values);
        var evidence = new List<(int Line, int Column)> { matched[0] };
        foreach (var locator in rule.Locators)
        {
            if (Locate(locator, lines, matched[0].Line) is { } located)
            {
                AddGroups(locator.Pattern, located.Match, values);
                evidence.Add((located.Line, located.Match.Index));
            }
        }

        evidence.AddRange(matched.Skip(1));
        // The same line printed twice (MSBuild repeats every error in its summary) is evidence once.
        var evidenceLines = evidence
            .DistinctBy(item => item.Line)
            .DistinctBy(item => lines[item.Line].Trim())
            .Take(MaxEvidenceLines)
            .OrderBy(item => item.Line)
            .Select(item => Quote(lines[item.Line], item.Column))
            .ToArray();
        var captured = new ReadOnlyDictionary<string, string>(values);
        return new FailureClassification(
            rule.Class.Key,
            rule.Class.Severity,
            rule.Hint(new Captures(captured)),
            new ReadOnlyCollection<string>(evidenceLines),
            captured);
    }

    /// <summary>The nearest line to <paramref name="origin"/> within the locator's window that matches it (after wins a tie).</summary>
    private static (int Line, Match Match)? Locate(Locator locator, string[] lines, int origin)
    {
        for (var distance = 1; distance <= Math.Max(locator.Before, locator.After); distance++)
        {
            var after = origin + distance;
            if (distance <= locator.After && after < lines.Length && MatchLine(locator.Pattern, lines[after]) is { } below)
            {
                return (after, below);
            }

            var before = origin - distance;
            if (distance <= locator.Before && before >= 0 && MatchLine(locator.Pattern, lines[before]) is { } above)
            {
                return (before, above);
            }
        }

        return null;
    }

    private static void AddGroups(Regex pattern, Match match, Dictionary<string, string> values)
    {
        foreach (var name in pattern.GetGroupNames())
        {
            if (name != "0" && match.Groups[name] is { Success: true, Length: > 0 } group)
            {
                values.TryAdd(name, group.Value.Trim());
            }
        }
    }

    private static Match? MatchLine(Regex pattern, string line)
    {
        try
        {
            var match = pattern.Match(line);
            return match.Success ? match : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    private static bool IsMatch(Regex pattern, string text)
    {
        try
        {
            return pattern.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private static string Replace(Regex pattern, string text, string replacement)
    {
        try
        {
            return pattern.Replace(text, replacement);
        }
        catch (RegexMatchTimeoutException)
        {
            return text;
        }
    }

    /// <summary>The trimmed line, or for a long one (a JSON event) a window of it around the match, marked with ellipses.</summary>
    private static string Quote(string line, int column)
    {
        var trimmed = line.Trim();
        if (trimmed.Length <= MaxEvidenceLength)
        {
            return trimmed;
        }

        var start = Math.Clamp(column - (line.Length - line.TrimStart().Length) - (MaxEvidenceLength / 4), 0, trimmed.Length - MaxEvidenceLength);
        var window = trimmed.Substring(start, MaxEvidenceLength).Trim();
        return (start > 0 ? "…" : "") + window + (start + MaxEvidenceLength < trimmed.Length ? "…" : "");
    }

    /// <summary>ANSI colour and cursor sequences (CSI), removed before matching: many tools colour their output when asked to.</summary>
    [GeneratedRegex(@"\x1B\[[0-9;?]*[ -/]*[@-~]", FailureRule.Options, FailureRule.TimeoutMilliseconds)]
    private static partial Regex AnsiEscape();
}
