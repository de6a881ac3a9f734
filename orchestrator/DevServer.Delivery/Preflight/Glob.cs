using System.Text;
using System.Text.RegularExpressions;

namespace DevServer.Delivery.Preflight;

/// <summary>
/// Path globs: <c>**</c> any number of folders, <c>*</c> anything within one name, <c>?</c> one character. A pattern
/// without '/' matches a file name in any folder (as in .gitignore).
/// </summary>
internal sealed class Glob
{
    private readonly Regex _regex;
    private readonly bool _nameOnly;

    public Glob(string pattern)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        Pattern = pattern;
        var trimmed = pattern.TrimStart('/');
        _nameOnly = !trimmed.Contains('/', StringComparison.Ordinal);
        _regex = new Regex(ToRegex(trimmed), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    public string Pattern { get; }

    public bool IsMatch(string path) => _regex.IsMatch(_nameOnly ? path[(path.LastIndexOf('/') + 1)..] : path);

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" is zero or more folders; a trailing "**" is everything below.
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return regex.Append('$').ToString();
    }
}
