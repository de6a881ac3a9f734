using System.Text;

namespace DevServer.Vendors.Core.Agents;

/// <summary>Cuts text to a number of UTF-8 bytes, never in the middle of a character.</summary>
public static class Utf8Text
{
    /// <summary>The longest beginning of <paramref name="text"/> that fits in <paramref name="maxBytes"/>.</summary>
    public static string Head(string text, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(text);

        // A UTF-16 code unit never takes more than 3 bytes in UTF-8 (a surrogate pair, 2 units, takes 4).
        if (text.Length * 3 <= maxBytes)
        {
            return text;
        }

        var bytes = 0;
        var index = 0;
        while (index < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out var consumed);
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            index += consumed;
        }

        return text[..index];
    }

    /// <summary>The longest end of <paramref name="text"/> that fits in <paramref name="maxBytes"/>.</summary>
    public static string Tail(string text, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length * 3 <= maxBytes)
        {
            return text;
        }

        var bytes = 0;
        var start = text.Length;
        while (start > 0)
        {
            Rune.DecodeLastFromUtf16(text.AsSpan(0, start), out var rune, out var consumed);
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            start -= consumed;
        }

        return text[start..];
    }
}

/// <summary>The last lines of a process's output, within a byte budget: what the result shows of a failed run.</summary>
public sealed class OutputTail(int maxBytes)
{
    private readonly Queue<(string Line, int Bytes)> _lines = new();
    private int _bytes;

    public void Add(string line)
    {
        ArgumentNullException.ThrowIfNull(line);

        // Each line costs its bytes plus the line break that joins it to the next.
        var bytes = Encoding.UTF8.GetByteCount(line) + 1;
        _lines.Enqueue((line, bytes));
        _bytes += bytes;
        while (_bytes > maxBytes && _lines.Count > 1)
        {
            _bytes -= _lines.Dequeue().Bytes;
        }
    }

    public override string ToString() => Utf8Text.Tail(string.Join('\n', _lines.Select(l => l.Line)), maxBytes);
}
