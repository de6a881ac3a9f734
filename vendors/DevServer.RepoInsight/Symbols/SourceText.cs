using System.Buffers;

namespace DevServer.RepoInsight;

/// <summary>How a language writes comments and strings, for <see cref="SourceText.Mask"/>.</summary>
/// <param name="LineComment">Starts a comment to the end of the line (null: none).</param>
/// <param name="SecondLineComment">Another such marker (SQL's "--" and "#" in MySQL dumps; PHP's "#").</param>
/// <param name="BlockComments">Whether /* … */ are comments.</param>
/// <param name="Quotes">Characters that open a string closed by the same character on the same line.</param>
/// <param name="MultiLineQuote">A string that may span lines (JS template literals, Go raw strings), or '\0'.</param>
/// <param name="TripleQuotes">Python's """ and ''' strings.</param>
internal sealed record CommentStyle(string? LineComment, string? SecondLineComment, bool BlockComments, string Quotes, char MultiLineQuote, bool TripleQuotes)
{
    public static readonly CommentStyle CFamily = new("//", null, true, "\"'", '\0', false);
    public static readonly CommentStyle JavaScript = new("//", null, true, "\"'", '`', false);
    public static readonly CommentStyle Go = new("//", null, true, "\"'", '`', false);
    // Rust: a quote also starts a lifetime ('a), so only double quotes are strings.
    public static readonly CommentStyle Rust = new("//", null, true, "\"", '\0', false);
    public static readonly CommentStyle Hash = new("#", null, false, "\"'", '\0', false);
    public static readonly CommentStyle Python = new("#", null, false, "\"'", '\0', true);
    public static readonly CommentStyle Php = new("//", "#", true, "\"'", '\0', false);
    public static readonly CommentStyle Sql = new("--", null, true, "'", '\0', false);

    /// <summary>The characters that can open a string or a comment.</summary>
    public SearchValues<char> Openers { get; } = SearchValues.Create(
        (Quotes + (MultiLineQuote == '\0' ? "" : MultiLineQuote.ToString()) + (BlockComments ? "/" : "") + LineComment?[0] + SecondLineComment?[0]).Distinct().ToArray());
}

/// <summary>A file's text with comments blanked out (lengths and line breaks kept), and its line starts.</summary>
internal sealed class SourceText
{
    private readonly int[] _lineStarts;

    private SourceText(string text, int[] lineStarts)
    {
        Text = text;
        _lineStarts = lineStarts;
    }

    /// <summary>The masked text: comment characters are spaces, so a definition inside a comment is not seen.</summary>
    public string Text { get; }

    public static SourceText Create(string text, CommentStyle style) => new(Mask(text, style), LineStarts(text));

    /// <summary>The 1-based line of a character offset.</summary>
    public int LineOf(int offset)
    {
        var index = Array.BinarySearch(_lineStarts, offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }

    private static int[] LineStarts(string text)
    {
        var starts = new List<int>(text.Length / 32 + 1) { 0 };
        var at = 0;
        while ((at = text.IndexOf('\n', at)) >= 0)
        {
            starts.Add(++at);
        }

        return [.. starts];
    }

    // One pass: strings are skipped (so "/*" in a string opens nothing), comments become spaces. Cheap rather than
    // exact: a JS regex literal containing a quote can confuse it for the rest of that line, never further.
    internal static string Mask(string text, CommentStyle style)
    {
        // Most lines of most files hold no comment marker at all; copying only when one is found keeps this cheap.
        if (!MayHoldComment(text, style))
        {
            return text;
        }

        var chars = text.ToCharArray();
        var interesting = style.Openers;
        var i = 0;
        var n = chars.Length;
        while (i < n)
        {
            // Jump to the next character that can open a string or a comment (vectorised): most text is neither.
            var next = chars.AsSpan(i).IndexOfAny(interesting);
            if (next < 0)
            {
                break;
            }

            i += next;
            var c = chars[i];
            if (style.TripleQuotes && (c == '"' || c == '\'') && i + 2 < n && chars[i + 1] == c && chars[i + 2] == c)
            {
                // Docstrings are documentation: blanked like comments, so an example "def f():" in one is not a definition.
                var end = text.IndexOf(new string(c, 3), i + 3, StringComparison.Ordinal);
                var stop = end < 0 ? n : end + 3;
                Blank(chars, i, stop);
                i = stop;
                continue;
            }

            if (style.Quotes.Contains(c, StringComparison.Ordinal))
            {
                i = SkipString(chars, i + 1, c, multiLine: false);
                continue;
            }

            if (c == style.MultiLineQuote)
            {
                i = SkipString(chars, i + 1, c, multiLine: true);
                continue;
            }

            // "/*" after a backslash or "[" is inside a regex literal (/\*/, /[/*]/), not a comment.
            if (style.BlockComments && c == '/' && i + 1 < n && chars[i + 1] == '*' && (i == 0 || (chars[i - 1] != '\\' && chars[i - 1] != '[')))
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                var stop = end < 0 ? n : end + 2;
                Blank(chars, i, stop);
                i = stop;
                continue;
            }

            if ((StartsAt(chars, i, style.LineComment) || StartsAt(chars, i, style.SecondLineComment)) && (c != '#' || AtWordStart(chars, i)))
            {
                var end = text.IndexOf('\n', i);
                var stop = end < 0 ? n : end;
                Blank(chars, i, stop);
                i = stop;
                continue;
            }

            i++;
        }

        return new string(chars);
    }

    private static bool MayHoldComment(string text, CommentStyle style) =>
        (style.BlockComments && text.Contains("/*", StringComparison.Ordinal))
        || (style.LineComment is { } line && text.Contains(line, StringComparison.Ordinal))
        || (style.SecondLineComment is { } second && text.Contains(second, StringComparison.Ordinal))
        || (style.TripleQuotes && (text.Contains("\"\"\"", StringComparison.Ordinal) || text.Contains("'''", StringComparison.Ordinal)));

    private static int SkipString(char[] chars, int i, char quote, bool multiLine)
    {
        while (i < chars.Length)
        {
            var next = chars.AsSpan(i).IndexOfAny(quote, '\\', '\n');
            if (next < 0)
            {
                return chars.Length;
            }

            i += next;
            var c = chars[i];
            if (c == '\\')
            {
                i += 2;
                continue;
            }

            if (c == quote)
            {
                return i + 1;
            }

            if (!multiLine)
            {
                // An unclosed quote (an apostrophe in a shell word, a char literal we misread) ends with its line.
                return i;
            }

            i++;
        }

        return chars.Length;
    }

    private static bool StartsAt(char[] chars, int i, string? marker)
    {
        if (marker is null || i + marker.Length > chars.Length)
        {
            return false;
        }

        for (var k = 0; k < marker.Length; k++)
        {
            if (chars[i + k] != marker[k])
            {
                return false;
            }
        }

        return true;
    }

    // "#" starts a comment only at a word's start: "$#" and "${#name}" in shell are not comments.
    private static bool AtWordStart(char[] chars, int i) => i == 0 || char.IsWhiteSpace(chars[i - 1]);

    private static void Blank(char[] chars, int from, int to)
    {
        // Line breaks stay, so line numbers after a comment are right.
        while (from < to)
        {
            var segment = chars.AsSpan(from, to - from);
            var newline = segment.IndexOf('\n');
            if (newline < 0)
            {
                segment.Fill(' ');
                return;
            }

            segment[..newline].Fill(' ');
            from += newline + 1;
        }
    }
}
