using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DevServer.Cli.Commands;

/// <summary>One file of a <c>git format-patch</c> series: its name as git gives it and its bytes.</summary>
internal sealed record PatchFile(string Name, byte[] Content);

/// <summary>
/// Splits the combined mbox of a task (what <c>git format-patch --output</c> or <c>--stdout</c> writes) back into the
/// files <c>git format-patch -o dir</c> writes for the same commits, byte for byte and with the same names.
/// </summary>
/// <remarks>
/// In the combined mbox git writes each patch as in its own file and puts one empty line before every patch but the
/// first. A patch starts with <c>From &lt;commit&gt; Mon Sep 17 00:00:00 2001</c> and then its <c>From:</c> header;
/// format-patch does not escape a message line that looks the same (and <c>git mailsplit</c> would split at any line
/// starting <c>From </c> that ends in a time and a year), so here a patch starts only at that exact pair of lines
/// at the very start or after an empty line, and the empty line before it is the separator, not part of either file.
/// </remarks>
internal static partial class PatchFiles
{
    // git's default --filename-max-length: the name without ".patch" keeps at most 64 - 7 characters.
    private const int MaxNameLength = 64;
    private const string Suffix = ".patch";

    /// <summary>The series' files in order; none for an empty mbox.</summary>
    /// <exception cref="FormatException">The bytes do not start with a format-patch header.</exception>
    public static IReadOnlyList<PatchFile> Split(ReadOnlySpan<byte> mbox)
    {
        if (mbox.IsEmpty)
        {
            return [];
        }

        // Latin-1 maps every byte to one char, so indices into the text are indices into the bytes.
        var text = Encoding.Latin1.GetString(mbox);
        var starts = PatchStart().Matches(text).Select(m => m.Index).ToList();
        if (starts.Count == 0 || starts[0] != 0)
        {
            throw new FormatException("the patch does not start with a 'From <commit> Mon Sep 17 00:00:00 2001' line of git format-patch");
        }

        var files = new List<PatchFile>(starts.Count);
        for (var i = 0; i < starts.Count; i++)
        {
            // Up to the separating empty line's newline before the next patch, which belongs to neither.
            var end = i + 1 < starts.Count ? starts[i + 1] - 1 : mbox.Length;
            var content = mbox[starts[i]..end].ToArray();
            files.Add(new PatchFile(FileName(i + 1, Subject(text[starts[i]..end])), content));
        }

        return files;
    }

    /// <summary>
    /// The name <c>git format-patch</c> gives the <paramref name="number"/>th patch of a commit whose subject is
    /// <paramref name="subject"/>: the number in four digits, the subject reduced to letters, digits, '.' and '_' with
    /// every run of anything else (and of dots) made one '-' or '.', no '-' or '.' at either end, cut to git's maximum.
    /// </summary>
    public static string FileName(int number, string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var name = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{number:D4}-"));
        var prefix = name.Length;
        var separated = false;
        for (var i = 0; i < subject.Length; i++)
        {
            var c = subject[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_'))
            {
                // Nothing before the first kept character: a leading run is dropped, not made a '-'.
                separated = name.Length > prefix;
                continue;
            }

            if (separated)
            {
                name.Append('-');
                separated = false;
            }

            name.Append(c);
            while (c == '.' && i + 1 < subject.Length && subject[i + 1] == '.')
            {
                i++;
            }
        }

        while (name.Length > prefix && name[^1] is '.' or '-')
        {
            name.Length--;
        }

        name.Length = Math.Min(name.Length, MaxNameLength - Suffix.Length - 1);
        return name.Append(Suffix).ToString();
    }

    /// <summary>
    /// The commit's subject from a patch's <c>Subject:</c> header: unfolded, its RFC 2047 encoded words decoded to bytes
    /// (one char per byte; git only keeps ASCII in a name), without the <c>[PATCH…]</c> prefix format-patch adds.
    /// </summary>
    internal static string Subject(string patch)
    {
        var headerEnd = patch.IndexOf("\n\n", StringComparison.Ordinal);
        var lines = (headerEnd < 0 ? patch : patch[..headerEnd]).Split('\n');
        var start = Array.FindIndex(lines, line => line.StartsWith("Subject:", StringComparison.OrdinalIgnoreCase));
        if (start < 0)
        {
            return string.Empty;
        }

        var header = new StringBuilder(lines[start]["Subject:".Length..]);
        for (var i = start + 1; i < lines.Length && lines[i].Length > 0 && lines[i][0] is ' ' or '\t'; i++)
        {
            header.Append(lines[i]);
        }

        // Whitespace between two encoded words is folding, not text (RFC 2047, section 6.2).
        var unfolded = BetweenEncodedWords().Replace(header.ToString(), "?==?");
        var subject = EncodedWord().Replace(unfolded, word => Decode(word.Groups["encoding"].Value, word.Groups["text"].Value)).TrimStart();
        var prefixEnd = subject.StartsWith('[') ? subject.IndexOf(']', StringComparison.Ordinal) : -1;
        return prefixEnd < 0 ? subject : subject[(prefixEnd + 1)..].TrimStart();
    }

    private static string Decode(string encoding, string text)
    {
        if (encoding is "B" or "b")
        {
            try
            {
                return Encoding.Latin1.GetString(Convert.FromBase64String(text));
            }
            catch (FormatException)
            {
                return text;
            }
        }

        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '_')
            {
                bytes.Add((byte)' ');
            }
            else if (text[i] == '=' && i + 2 < text.Length && byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                bytes.Add(value);
                i += 2;
            }
            else
            {
                bytes.Add((byte)text[i]);
            }
        }

        return Encoding.Latin1.GetString([.. bytes]);
    }

    [GeneratedRegex(@"(?<=\A|\n\n)From [0-9a-f]{40}(?:[0-9a-f]{24})? Mon Sep 17 00:00:00 2001\nFrom: ")]
    private static partial Regex PatchStart();

    [GeneratedRegex(@"=\?[^?\s]+\?(?<encoding>[QqBb])\?(?<text>[^?\s]*)\?=")]
    private static partial Regex EncodedWord();

    [GeneratedRegex(@"\?=[ \t]+=\?")]
    private static partial Regex BetweenEncodedWords();
}
