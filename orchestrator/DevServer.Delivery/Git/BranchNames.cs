using System.Globalization;
using System.Text;

namespace DevServer.Delivery.Git;

/// <summary>Branch names and commit messages derived from a task, safe whatever its title holds.</summary>
public static class BranchNames
{
    /// <summary>Every branch delivery may force-push lives under this prefix.</summary>
    public const string AgentPrefix = "agent/";

    private const int MaxLength = 100;

    /// <summary>
    /// <c>agent/&lt;id&gt;-&lt;slug&gt;</c>: lowercase ASCII letters and digits joined by single hyphens (accents are
    /// dropped to their base letter, anything else separates words), at most 100 characters, never ending in '.',
    /// '-' or ".lock", never holding "..": a valid git ref name for any title.
    /// </summary>
    public static string ForTask(long taskId, string title)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(taskId);
        var prefix = $"{AgentPrefix}{taskId.ToString(CultureInfo.InvariantCulture)}";
        var slug = Slug(title ?? string.Empty, MaxLength - prefix.Length - 1);
        return slug.Length == 0 ? prefix : $"{prefix}-{slug}";
    }

    /// <summary>True for a name <see cref="ForTask"/> could have produced: the only branches delivery force-pushes.</summary>
    public static bool IsAgentBranch(string branch) =>
        branch.StartsWith(AgentPrefix, StringComparison.Ordinal)
        && branch.Length is > 6 and <= MaxLength
        && branch[AgentPrefix.Length..].All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && !branch.EndsWith('-');

    /// <summary>The squashed commit's message: <c>[task 42] title</c>, a blank line, the body.</summary>
    public static string CommitMessage(long taskId, string title, string body)
    {
        var subject = string.Join(' ', (title ?? string.Empty).Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        var message = $"[task {taskId.ToString(CultureInfo.InvariantCulture)}] {subject}".TrimEnd();
        return string.IsNullOrWhiteSpace(body) ? message + "\n" : $"{message}\n\n{body.Trim()}\n";
    }

    // Latin letters with diacritics and their ASCII spelling. A table rather than Unicode decomposition: the build
    // runs with invariant globalization, where string normalisation is not available.
    private static readonly Dictionary<char, string> Latin = BuildLatin();

    private static string Slug(string title, int maxLength)
    {
        var slug = new StringBuilder();
        var pendingHyphen = false;
        foreach (var original in title)
        {
            var c = char.ToLowerInvariant(original);
            var ascii = char.IsAsciiLetterOrDigit(c) ? c.ToString() : Latin.GetValueOrDefault(c);
            if (ascii is not null)
            {
                if (pendingHyphen && slug.Length > 0)
                {
                    slug.Append('-');
                }

                pendingHyphen = false;
                slug.Append(ascii);
            }
            else
            {
                pendingHyphen = true;
            }
        }

        var text = slug.ToString();
        if (text.Length > maxLength)
        {
            text = text[..maxLength].TrimEnd('-');
        }

        // "lock" as the last word would make "…-lock", which is fine; only a ".lock" suffix is invalid, and the
        // slug never holds '.'.
        return text;
    }

    private static Dictionary<char, string> BuildLatin()
    {
        var table = new Dictionary<char, string> { ['æ'] = "ae", ['œ'] = "oe", ['ß'] = "ss", ['þ'] = "th", ['ð'] = "d" };
        foreach (var (letters, ascii) in new[]
        {
            ("àáâãäåāăą", "a"), ("çćĉċč", "c"), ("ďđ", "d"), ("èéêëēĕėęě", "e"), ("ĝğġģ", "g"), ("ĥħ", "h"),
            ("ìíîïĩīĭįı", "i"), ("ĵ", "j"), ("ķ", "k"), ("ĺļľŀł", "l"), ("ñńņňŉ", "n"), ("òóôõöøōŏő", "o"),
            ("ŕŗř", "r"), ("śŝşšș", "s"), ("ţťŧț", "t"), ("ùúûüũūŭůűų", "u"), ("ŵ", "w"), ("ýÿŷ", "y"), ("źżž", "z"),
        })
        {
            foreach (var letter in letters)
            {
                table[letter] = ascii;
            }
        }

        return table;
    }
}
