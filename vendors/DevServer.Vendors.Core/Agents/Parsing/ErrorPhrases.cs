using DevServer.Contracts.Work.V1;

namespace DevServer.Vendors.Core.Agents.Parsing;

/// <summary>
/// A vendor's known error texts, each rule an error kind and the phrases that mean it, tried in order: the first rule
/// with a phrase the text contains (ignoring case) gives the kind. Whole phrases, never a bare number (a "429"
/// anywhere in the output is not a rate limit).
/// </summary>
public sealed class ErrorPhrases(params (AgentErrorKind Kind, string[] Phrases)[] rules)
{
    /// <summary>The kind the first matching rule gives, or <see cref="AgentErrorKind.Unspecified"/> when none matches.</summary>
    public AgentErrorKind Classify(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return AgentErrorKind.Unspecified;
        }

        foreach (var (kind, phrases) in rules)
        {
            foreach (var phrase in phrases)
            {
                if (text.Contains(phrase, StringComparison.OrdinalIgnoreCase))
                {
                    return kind;
                }
            }
        }

        return AgentErrorKind.Unspecified;
    }
}
