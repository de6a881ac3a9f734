using System.Text;

namespace DevServer.Vendors.Core.Agents.Parsing;

/// <summary>Fits vendor text into the contract's limits: 4 KiB texts, one-line summaries of 200 characters.</summary>
public static class AgentText
{
    /// <summary>Texts in activities and reports: at most 4 KiB.</summary>
    public const int MaxTextBytes = AgentAttempt.MaxTextBytes;

    /// <summary>Tool-call and tool-result summaries, retry reasons: one line of at most 200 characters.</summary>
    public const int MaxSummaryChars = 200;

    /// <summary>The text cut to at most <paramref name="maxBytes"/> UTF-8 bytes, never inside a character.</summary>
    public static string Cut(string text, int maxBytes = MaxTextBytes) => Utf8Text.Head(text, maxBytes);

    /// <summary>One line (whitespace runs, newlines included, become one space) of at most 200 characters.</summary>
    public static string Summary(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(Math.Min(text.Length, MaxSummaryChars + 1));
        var space = false;
        foreach (var c in text.AsSpan().Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
            if (builder.Length > MaxSummaryChars)
            {
                break;
            }
        }

        if (builder.Length <= MaxSummaryChars)
        {
            return builder.ToString();
        }

        // Never split a surrogate pair at the cut.
        var cut = MaxSummaryChars - 1;
        if (char.IsHighSurrogate(builder[cut - 1]))
        {
            cut--;
        }

        return builder.ToString(0, cut) + "…";
    }
}
