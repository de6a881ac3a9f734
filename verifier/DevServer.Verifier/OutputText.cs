using System.Text;

namespace DevServer.Verifier;

/// <summary>The size limits the contract puts on output text.</summary>
internal static class OutputText
{
    /// <summary>events.v1.OutputLine.text: at most 4 KiB.</summary>
    public const int MaxLineBytes = 4096;

    /// <summary>VerifyResult.output_tail: at most 3,000 characters.</summary>
    public const int MaxTailCharacters = 3000;

    /// <summary>The longest start of <paramref name="text"/> that fits in <paramref name="maxBytes"/> UTF-8 bytes, never half a character.</summary>
    public static string CutToBytes(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetMaxByteCount(text.Length) <= maxBytes || Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var bytes = 0;
        var end = 0;
        while (end < text.Length)
        {
            var width = char.IsHighSurrogate(text[end]) && end + 1 < text.Length ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(text.AsSpan(end, width));
            if (bytes + size > maxBytes)
            {
                break;
            }

            bytes += size;
            end += width;
        }

        return text[..end];
    }

    /// <summary>The last <paramref name="maxCharacters"/> characters of <paramref name="text"/>, never half a character.</summary>
    public static string Tail(string text, int maxCharacters = MaxTailCharacters)
    {
        if (text.Length <= maxCharacters)
        {
            return text;
        }

        var start = text.Length - maxCharacters;
        return char.IsLowSurrogate(text[start]) ? text[(start + 1)..] : text[start..];
    }
}

/// <summary>The end of a stage's output, both streams in the order they arrived, kept within a bound.</summary>
internal sealed class OutputTail
{
    private readonly StringBuilder _text = new();

    public void Append(string line)
    {
        _text.Append(line).Append('\n');
        if (_text.Length > 2 * OutputText.MaxTailCharacters)
        {
            _text.Remove(0, _text.Length - OutputText.MaxTailCharacters);
            if (char.IsLowSurrogate(_text[0]))
            {
                _text.Remove(0, 1);
            }
        }
    }

    public override string ToString() => OutputText.Tail(_text.ToString());
}
