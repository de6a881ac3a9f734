using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DevServer.Delivery.Preflight;

/// <summary>A line the series adds, with its number in the new file.</summary>
internal readonly record struct AddedLine(int Number, string Text);

/// <summary>What one patch does to one file.</summary>
internal sealed class PatchedFile(string path)
{
    /// <summary>The path in the new tree (for a deletion: the deleted path).</summary>
    public string Path { get; set; } = path;

    /// <summary>The path before a rename or copy; null otherwise.</summary>
    public string? OldPath { get; set; }

    public bool Deleted { get; set; }

    public bool Binary { get; set; }

    /// <summary>Bytes of added text lines, or the literal size of a binary file.</summary>
    public long AddedBytes { get; set; }

    public List<AddedLine> AddedLines { get; } = [];
}

/// <summary>An author as <c>git am</c> records it: the decoded name (unquoted) and e-mail.</summary>
internal readonly record struct PatchAuthor(string Name, string Email)
{
    public override string ToString() => Name.Length == 0 ? Email : $"{Name} <{Email}>";
}

/// <summary>
/// One patch of the series: its authors (the <c>From:</c> header and, when the message starts with one, the in-body
/// <c>From:</c> that <c>git am</c> records instead), its commit message (the decoded subject, then the body's lines)
/// and the files it changes.
/// </summary>
internal sealed record ParsedPatch(
    int Index, IReadOnlyList<PatchAuthor> Authors, string Subject, IReadOnlyList<string> Message, IReadOnlyList<PatchedFile> Files);

/// <summary>
/// Reads a <c>git format-patch</c> mbox: each patch's author and commit message, and for each file its path, and the
/// lines it adds with their numbers in the new file (from the hunk headers). Binary patch data is counted, never read
/// as text: base85 would look like one long high-entropy secret.
/// </summary>
internal static partial class PatchSeriesParser
{
    public static IReadOnlyList<ParsedPatch> Parse(ReadOnlySpan<byte> mbox)
    {
        var text = new UTF8Encoding(false, false).GetString(mbox);
        var lines = text.Split('\n');
        var patches = new List<ParsedPatch>();
        var start = -1;
        for (var i = 0; i <= lines.Length; i++)
        {
            if (i == lines.Length || PatchSeparator().IsMatch(lines[i]))
            {
                if (start >= 0)
                {
                    patches.Add(ParsePatch(patches.Count + 1, lines.AsSpan(start, i - start)));
                }

                start = i;
            }
        }

        return patches;
    }

    private static ParsedPatch ParsePatch(int index, ReadOnlySpan<string> lines)
    {
        var (author, subject, bodyStart) = ReadHeaders(lines);
        var message = ReadMessage(subject, lines, bodyStart);
        var inBody = ReadInBodyHeaders(lines, bodyStart);
        List<PatchAuthor> authors = inBody.TryGetValue("From", out var inBodyFrom) ? [author, ParseAuthor(inBodyFrom)] : [author];
        if (inBody.TryGetValue("Subject", out var inBodySubject) && DecodeWords(inBodySubject) is var decoded && decoded != inBodySubject)
        {
            // The raw line is in the message already; git am records the decoded one as the subject.
            message.Add(decoded);
        }
        var files = new List<PatchedFile>();
        PatchedFile? file = null;
        int oldLeft = 0, newLeft = 0, newLine = 0;
        var inBinary = false;
        for (var i = bodyStart; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (oldLeft > 0 || newLeft > 0)
            {
                // Inside a hunk the counts, not the first character, say where it ends: "-- " closes the mbox
                // entry and would otherwise read as a removed line.
                if (line.StartsWith('\\'))
                {
                    continue;
                }

                var marker = line.Length == 0 ? ' ' : line[0];
                if (marker == '+')
                {
                    var added = line[1..];
                    file!.AddedLines.Add(new AddedLine(newLine, added));
                    file.AddedBytes += Encoding.UTF8.GetByteCount(added) + 1;
                    newLine++;
                    newLeft--;
                }
                else if (marker == '-')
                {
                    oldLeft--;
                }
                else
                {
                    newLine++;
                    newLeft--;
                    oldLeft--;
                }

                continue;
            }

            if (line.StartsWith("diff --git ", StringComparison.Ordinal))
            {
                file = new PatchedFile(PathFromDiffLine(line));
                files.Add(file);
                inBinary = false;
                continue;
            }

            if (file is null)
            {
                continue;
            }

            if (inBinary)
            {
                // "literal <size>" gives the new content's size; the first block of a binary patch is the forward one.
                var literal = BinaryLiteral().Match(line);
                if (literal.Success && file.AddedBytes == 0)
                {
                    file.AddedBytes = long.Parse(literal.Groups[1].Value, CultureInfo.InvariantCulture);
                }

                continue;
            }

            if (line.StartsWith("+++ ", StringComparison.Ordinal))
            {
                var path = line[4..];
                if (path != "/dev/null")
                {
                    file.Path = StripPrefix(Unquote(path));
                }
            }
            else if (line.StartsWith("--- ", StringComparison.Ordinal))
            {
                continue;
            }
            else if (line.StartsWith("deleted file mode", StringComparison.Ordinal))
            {
                file.Deleted = true;
            }
            else if (line.StartsWith("rename from ", StringComparison.Ordinal) || line.StartsWith("copy from ", StringComparison.Ordinal))
            {
                file.OldPath = Unquote(line[(line.IndexOf(" from ", StringComparison.Ordinal) + 6)..]);
            }
            else if (line.StartsWith("rename to ", StringComparison.Ordinal) || line.StartsWith("copy to ", StringComparison.Ordinal))
            {
                file.Path = Unquote(line[(line.IndexOf(" to ", StringComparison.Ordinal) + 4)..]);
            }
            else if (line == "GIT binary patch" || line.StartsWith("Binary files ", StringComparison.Ordinal))
            {
                file.Binary = true;
                inBinary = true;
            }
            else if (HunkHeader().Match(line) is { Success: true } hunk)
            {
                oldLeft = hunk.Groups[2].Success ? int.Parse(hunk.Groups[2].Value, CultureInfo.InvariantCulture) : 1;
                newLine = int.Parse(hunk.Groups[3].Value, CultureInfo.InvariantCulture);
                newLeft = hunk.Groups[4].Success ? int.Parse(hunk.Groups[4].Value, CultureInfo.InvariantCulture) : 1;
                newLine = Math.Max(newLine, 1);
            }
        }

        return new ParsedPatch(index, authors, subject, message, files);
    }

    /// <summary>
    /// The subject and the body: the lines between the headers and the <c>---</c> line format-patch writes before the
    /// diffstat. git does not escape a <c>---</c> line inside a message (git am would cut the message there), so the
    /// separator is the last one before the first <c>diff --git</c>: everything the mbox carries as message is read.
    /// </summary>
    private static List<string> ReadMessage(string subject, ReadOnlySpan<string> lines, int bodyStart)
    {
        var diff = lines.Length;
        for (var i = bodyStart; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("diff --git ", StringComparison.Ordinal))
            {
                diff = i;
                break;
            }
        }

        // A patch without a diff (format-patch --always on an empty commit) may end with a "-- " signature instead.
        var end = LastLine(lines, bodyStart, diff, "---") ?? (diff == lines.Length ? LastLine(lines, bodyStart, diff, "-- ") : null) ?? diff;

        var message = new List<string> { subject };
        for (var i = bodyStart + 1; i < end; i++)
        {
            message.Add(lines[i].TrimEnd('\r'));
        }

        return message;
    }

    private static int? LastLine(ReadOnlySpan<string> lines, int after, int before, string text)
    {
        for (var i = before - 1; i > after; i--)
        {
            if (lines[i].TrimEnd('\r') == text)
            {
                return i;
            }
        }

        return null;
    }

    private static (PatchAuthor Author, string Subject, int BodyStart) ReadHeaders(ReadOnlySpan<string> lines)
    {
        string from = string.Empty, subject = string.Empty;
        string? current = null;
        var i = 1;
        for (; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                break;
            }

            if (line[0] is ' ' or '\t')
            {
                // A folded header continues the previous one.
                if (current == "from")
                {
                    from += line;
                }
                else if (current == "subject")
                {
                    subject += line;
                }

                continue;
            }

            current = null;
            if (line.StartsWith("From: ", StringComparison.OrdinalIgnoreCase))
            {
                from = line[6..];
                current = "from";
            }
            else if (line.StartsWith("Subject: ", StringComparison.OrdinalIgnoreCase))
            {
                subject = line[9..];
                current = "subject";
            }
        }

        return (ParseAuthor(from), PatchPrefix().Replace(DecodeWords(subject), string.Empty, 1), i);
    }

    /// <summary>
    /// "Name &lt;email&gt;" as git am reads it: encoded words are decoded in the e-mail too (format-patch writes the
    /// e-mail as it is, so <c>=?UTF-8?q?...?=</c> in <c>user.email</c> reaches git am, which decodes it), and a quoted
    /// name loses its quotes and backslashes.
    /// </summary>
    private static PatchAuthor ParseAuthor(string from)
    {
        var address = Address().Match(from);
        var email = DecodeWords(address.Success ? address.Groups[1].Value.Trim() : from.Trim());
        var name = address.Success ? DecodeWords(from[..address.Index].Trim()) : string.Empty;
        if (name.Length >= 2 && name[0] == '"' && name[^1] == '"')
        {
            name = QuotedPair().Replace(name[1..^1], "$1");
        }

        return new PatchAuthor(name, email);
    }

    /// <summary>
    /// git am (mailinfo) takes <c>From:</c>, <c>Subject:</c> and <c>Date:</c> lines at the start of the body (after
    /// blank lines; each once; folded lines joined) as headers that override the mail's, until a blank line or another
    /// line: a commit whose message starts with "From: someone" is recorded as authored by someone. format-patch does
    /// not escape such lines. A "[PATCH]" line or a quoted format-patch separator there does not end them.
    /// </summary>
    private static Dictionary<string, string> ReadInBodyHeaders(ReadOnlySpan<string> lines, int bodyStart)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var i = bodyStart + 1;
        while (i < lines.Length && lines[i].TrimEnd('\r').Length == 0)
        {
            i++;
        }

        for (; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (current is not null && line.Length > 0 && line[0] is ' ' or '\t')
            {
                fields[current] += line;
                continue;
            }

            var field = InBodyHeader().Match(line);
            current = field.Success ? char.ToUpperInvariant(line[0]) + field.Groups[1].Value[1..].ToLowerInvariant() : null;
            if (current is not null && fields.TryAdd(current, field.Groups[2].Value))
            {
                continue;
            }

            current = null;
            var patchLine = line.StartsWith("[PATCH]", StringComparison.Ordinal) && (line.Length == 7 || char.IsWhiteSpace(line[7]));
            if (!patchLine && !(line.StartsWith('>') && PatchSeparator().IsMatch(line[1..])))
            {
                break;
            }
        }

        return fields;
    }

    /// <summary>
    /// Decodes RFC 2047 encoded words, which format-patch writes for non-ASCII names and subjects. It cuts a long
    /// subject into several words on folded lines, anywhere (inside a token, too); the whitespace between two encoded
    /// words is not part of the text (RFC 2047, 6.2), and the bytes of adjacent words are decoded together, so a
    /// character or a token split between them comes out whole.
    /// </summary>
    private static string DecodeWords(string value)
    {
        var text = new StringBuilder();
        var pending = new List<byte>();
        Encoding? pendingEncoding = null;
        var position = 0;
        foreach (Match match in EncodedWord().Matches(value))
        {
            var gap = value.AsSpan(position, match.Index - position);
            position = match.Index + match.Length;
            var decoded = DecodeWord(match);
            if (decoded is null)
            {
                Flush();
                text.Append(gap).Append(match.Value);
                continue;
            }

            if (pendingEncoding is null || !gap.IsWhiteSpace())
            {
                Flush();
                text.Append(gap);
            }
            else if (!pendingEncoding.Equals(decoded.Value.Encoding))
            {
                // Whatever their charsets, the space between two encoded words goes (git am drops it too).
                Flush();
            }

            pendingEncoding = decoded.Value.Encoding;
            pending.AddRange(decoded.Value.Bytes);
        }

        Flush();
        return text.Append(value.AsSpan(position)).ToString();

        void Flush()
        {
            if (pendingEncoding is not null)
            {
                text.Append(pendingEncoding.GetString([.. pending]));
            }

            pending.Clear();
            pendingEncoding = null;
        }
    }

    /// <summary>
    /// One encoded word's bytes, decoded as leniently as git am's mailinfo does (what it accepts reaches the commit):
    /// base64 skips characters outside its alphabet and needs no padding, and an "=" not followed by two hex digits
    /// stays an "=". Null for a charset .NET does not know (git am fails on one it cannot convert).
    /// </summary>
    private static (Encoding Encoding, byte[] Bytes)? DecodeWord(Match match)
    {
        Encoding encoding;
        try
        {
            encoding = Encoding.GetEncoding(match.Groups[1].Value);
        }
        catch (ArgumentException)
        {
            return null;
        }

        var payload = match.Groups[3].Value;
        var bytes = new List<byte>();
        if (match.Groups[2].Value is "b" or "B")
        {
            int bits = 0, count = 0;
            foreach (var c in payload)
            {
                var sextet = c switch
                {
                    >= 'A' and <= 'Z' => c - 'A',
                    >= 'a' and <= 'z' => c - 'a' + 26,
                    >= '0' and <= '9' => c - '0' + 52,
                    '+' => 62,
                    '/' => 63,
                    _ => -1,
                };
                if (sextet < 0)
                {
                    continue;
                }

                bits = (bits << 6) | sextet;
                count += 6;
                if (count >= 8)
                {
                    count -= 8;
                    bytes.Add((byte)(bits >> count));
                    bits &= (1 << count) - 1;
                }
            }

            return (encoding, [.. bytes]);
        }

        for (var i = 0; i < payload.Length; i++)
        {
            if (payload[i] == '_')
            {
                bytes.Add((byte)' ');
            }
            else if (payload[i] == '=' && i + 2 < payload.Length
                && byte.TryParse(payload.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            {
                bytes.Add(hex);
                i += 2;
            }
            else
            {
                bytes.Add((byte)payload[i]);
            }
        }

        return (encoding, [.. bytes]);
    }

    // "diff --git a/x b/x": when both sides are the same path the split is unambiguous even with spaces in it.
    private static string PathFromDiffLine(string line)
    {
        var rest = line["diff --git ".Length..];
        if (rest.StartsWith('"'))
        {
            var end = ClosingQuote(rest);
            return StripPrefix(Unquote(rest[..(end + 1)]));
        }

        var half = (rest.Length - 1) / 2;
        return rest.Length % 2 == 1 && rest[half] == ' ' ? StripPrefix(rest[..half]) : StripPrefix(rest.Split(' ')[0]);
    }

    private static int ClosingQuote(string value)
    {
        for (var i = 1; i < value.Length; i++)
        {
            if (value[i] == '\\')
            {
                i++;
            }
            else if (value[i] == '"')
            {
                return i;
            }
        }

        return value.Length - 1;
    }

    private static string StripPrefix(string path) =>
        path.StartsWith("a/", StringComparison.Ordinal) || path.StartsWith("b/", StringComparison.Ordinal) ? path[2..] : path;

    // git quotes paths with unusual bytes C-style: "a/caf\303\251.txt".
    internal static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
        {
            return value;
        }

        var bytes = new List<byte>();
        for (var i = 1; i < value.Length - 1; i++)
        {
            var c = value[i];
            if (c != '\\' || i + 1 >= value.Length - 1)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                continue;
            }

            var next = value[++i];
            if (next is >= '0' and <= '7' && i + 2 < value.Length - 1)
            {
                bytes.Add(Convert.ToByte(value.Substring(i, 3), 8));
                i += 2;
                continue;
            }

            bytes.Add(next switch
            {
                'n' => (byte)'\n',
                't' => (byte)'\t',
                'r' => (byte)'\r',
                'a' => 7,
                'b' => 8,
                'f' => 12,
                'v' => 11,
                _ => (byte)next,
            });
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    [GeneratedRegex("^From [0-9a-f]{40,64} Mon Sep 17 00:00:00 2001$")]
    private static partial Regex PatchSeparator();

    [GeneratedRegex(@"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")]
    private static partial Regex HunkHeader();

    [GeneratedRegex(@"^literal (\d+)$")]
    private static partial Regex BinaryLiteral();

    [GeneratedRegex("<([^<>]*)>")]
    private static partial Regex Address();

    [GeneratedRegex(@"\\(.)")]
    private static partial Regex QuotedPair();

    // mailinfo's cmp_header: the name in any case, a colon, then whitespace (the line's end counts: "From:" alone
    // starts a header whose value is on the folded lines after it).
    [GeneratedRegex(@"^(From|Subject|Date):(?:\s(.*))?$", RegexOptions.IgnoreCase)]
    private static partial Regex InBodyHeader();

    [GeneratedRegex(@"=\?([^?]+)\?([bBqQ])\?([^?]*)\?=")]
    private static partial Regex EncodedWord();

    // format-patch's "[PATCH]" or "[PATCH 2/5]" (or a --subject-prefix) before the commit's own subject.
    [GeneratedRegex(@"^\[[^\]]*PATCH[^\]]*\] ?")]
    private static partial Regex PatchPrefix();
}
