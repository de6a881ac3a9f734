using System.Text.RegularExpressions;

namespace DevServer.Failures;

/// <summary>
/// One class and how it is found: a line pattern, optional lines to ignore, an optional pattern the whole scanned text
/// must contain, and locators that pick up more values (a file and line printed before or after the matched line).
/// </summary>
internal sealed class FailureRule
{
    /// <summary>
    /// The options of every pattern (source-generated, so nothing is parsed or compiled at run time). Patterns are
    /// matched one line at a time and written so that a failed attempt at one position cannot rescan the line from
    /// every later position (each alternative starts with a literal or is anchored at the line start), which keeps
    /// matching linear in practice on the backtracking engine. The timeout is a fence for what review missed: a
    /// timed-out line counts as not matching.
    /// </summary>
    public const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture | RegexOptions.Multiline;

    /// <summary>The most one pattern may spend on one line (or on the scanned text, for <see cref="Requires"/>).</summary>
    public const int TimeoutMilliseconds = 1000;

    public required FailureClass Class { get; init; }

    /// <summary>Matched against each line; the first matching line gives the captures, up to three give the evidence.</summary>
    public required Regex Match { get; init; }

    /// <summary>Lines that match <see cref="Match"/> but are not evidence of this class (e.g. Jest's "● Console").</summary>
    public Regex? Skip { get; init; }

    /// <summary>Must match somewhere in the scanned text (any line) for the class to apply, e.g. Node's closing "Node.js v20".</summary>
    public Regex? Requires { get; init; }

    /// <summary>Searched near the first matched line, nearest first; each adds the groups not captured yet.</summary>
    public IReadOnlyList<Locator> Locators { get; init; } = [];

    public required Func<Captures, string> Hint { get; init; }

    public static FailureRule Create(
        string key,
        FailureSeverity severity,
        string description,
        Regex match,
        Func<Captures, string> hint,
        Regex? skip = null,
        Regex? requires = null,
        IReadOnlyList<Locator>? locators = null) => new()
        {
            Class = new FailureClass(key, severity, description),
            Match = match,
            Skip = skip,
            Requires = requires,
            Locators = locators ?? [],
            Hint = hint,
        };

    /// <summary>Looks for <paramref name="pattern"/> up to <paramref name="before"/> lines before and <paramref name="after"/> lines after the match.</summary>
    public static Locator Near(Regex pattern, int before = 0, int after = 0) => new(pattern, before, after);
}

/// <summary>A pattern looked for near the matched line.</summary>
internal sealed record Locator(Regex Pattern, int Before, int After);
