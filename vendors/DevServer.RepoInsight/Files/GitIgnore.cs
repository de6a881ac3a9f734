using System.Text;
using System.Text.RegularExpressions;

namespace DevServer.RepoInsight;

/// <summary>
/// The patterns of one ignore file (.gitignore or .git/info/exclude), with git's rules: "#" comments, "!" negation,
/// a trailing "/" matches directories only, a pattern with a "/" before its end is anchored to the file's folder
/// (otherwise it matches a name at any depth), and "*", "?", "[…]" and "**" globs.
/// </summary>
internal sealed class GitIgnore
{
    private readonly List<Pattern> _patterns;

    private GitIgnore(string baseDirectory, List<Pattern> patterns)
    {
        BaseDirectory = baseDirectory;
        _patterns = patterns;
    }

    /// <summary>The folder the patterns are relative to ("" for the root), with '/' separators.</summary>
    public string BaseDirectory { get; }

    public static GitIgnore Parse(string baseDirectory, string content)
    {
        var patterns = new List<Pattern>();
        foreach (var rawLine in content.Split('\n'))
        {
            if (Pattern.TryParse(rawLine.TrimEnd('\r'), out var pattern))
            {
                patterns.Add(pattern);
            }
        }

        return new GitIgnore(baseDirectory, patterns);
    }

    /// <summary>
    /// Whether the last pattern matching <paramref name="relativePath"/> (relative to <see cref="BaseDirectory"/>)
    /// ignores it (true), re-includes it (false), or no pattern matches (null).
    /// </summary>
    public bool? Decide(string relativePath, bool isDirectory)
    {
        var name = relativePath[(relativePath.LastIndexOf('/') + 1)..];
        for (var i = _patterns.Count - 1; i >= 0; i--)
        {
            var pattern = _patterns[i];
            if (pattern.DirectoryOnly && !isDirectory)
            {
                continue;
            }

            if (pattern.Regex.IsMatch(pattern.Anchored ? relativePath : name))
            {
                return !pattern.Negated;
            }
        }

        return null;
    }

    private sealed record Pattern(Regex Regex, bool Negated, bool DirectoryOnly, bool Anchored)
    {
        public static bool TryParse(string line, out Pattern pattern)
        {
            pattern = null!;
            var text = TrimTrailingSpaces(line);
            if (text.Length == 0 || text[0] == '#')
            {
                return false;
            }

            var negated = text[0] == '!';
            if (negated)
            {
                text = text[1..];
            }
            else if (text.StartsWith("\\!", StringComparison.Ordinal) || text.StartsWith("\\#", StringComparison.Ordinal))
            {
                text = text[1..];
            }

            var directoryOnly = text.EndsWith('/');
            text = text.TrimEnd('/');
            if (text.Length == 0)
            {
                return false;
            }

            // A slash at the start or in the middle anchors the pattern to the ignore file's folder.
            var anchored = text.Contains('/', StringComparison.Ordinal);
            text = text.TrimStart('/');
            pattern = new Pattern(new Regex("^" + Translate(text) + "$", RegexOptions.CultureInvariant), negated, directoryOnly, anchored);
            return true;
        }

        private static string TrimTrailingSpaces(string line)
        {
            var end = line.Length;
            while (end > 0 && line[end - 1] == ' ' && (end < 2 || line[end - 2] != '\\'))
            {
                end--;
            }

            return line[..end];
        }

        private static string Translate(string glob)
        {
            var regex = new StringBuilder();
            for (var i = 0; i < glob.Length; i++)
            {
                var c = glob[i];
                if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
                {
                    var atStart = i == 0 || glob[i - 1] == '/';
                    var atEnd = i + 2 == glob.Length;
                    var slashAfter = i + 2 < glob.Length && glob[i + 2] == '/';
                    if (atStart && slashAfter)
                    {
                        regex.Append("(?:.*/)?"); // "**/x": x in any folder, including this one
                        i += 2;
                        continue;
                    }

                    if (atStart && atEnd)
                    {
                        regex.Append(".*"); // "x/**": everything inside x
                        i += 1;
                        continue;
                    }

                    regex.Append("[^/]*"); // a "**" elsewhere is an ordinary "*"
                    i += 1;
                    continue;
                }

                switch (c)
                {
                    case '*':
                        regex.Append("[^/]*");
                        break;
                    case '?':
                        regex.Append("[^/]");
                        break;
                    case '[':
                        var close = glob.IndexOf(']', i + 2);
                        if (close < 0)
                        {
                            regex.Append("\\[");
                            break;
                        }

                        var set = glob[(i + 1)..close];
                        regex.Append('[').Append(set[0] == '!' ? "^" + set[1..] : set.Replace("\\", "\\\\", StringComparison.Ordinal)).Append(']');
                        i = close;
                        break;
                    case '\\' when i + 1 < glob.Length:
                        regex.Append(Regex.Escape(glob[++i].ToString()));
                        break;
                    default:
                        regex.Append(Regex.Escape(c.ToString()));
                        break;
                }
            }

            return regex.ToString();
        }
    }
}
