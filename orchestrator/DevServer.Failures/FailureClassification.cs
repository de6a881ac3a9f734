using System.Collections.ObjectModel;

namespace DevServer.Failures;

/// <summary>What <see cref="FailureClassifier.Classify"/> found in a failed attempt's output.</summary>
/// <param name="Key">The class key (see <see cref="FailureClassifier.Classes"/>), or <see cref="NoneKey"/> when no known failure was found.</param>
/// <param name="Severity">Whether retrying can help (<see cref="FailureSeverity.Recoverable"/> for <see cref="NoneKey"/>).</param>
/// <param name="Hint">What to do next, naming the captured specifics (file, line, symbol, test, package); empty for <see cref="NoneKey"/>.</param>
/// <param name="Evidence">The matched and located lines, trimmed, at most <see cref="FailureClassifier.MaxEvidenceLines"/>, in output order.</param>
/// <param name="Captured">The named values the class captured (file, line, code, test, module, …).</param>
public sealed record FailureClassification(
    string Key,
    FailureSeverity Severity,
    string Hint,
    IReadOnlyList<string> Evidence,
    IReadOnlyDictionary<string, string> Captured)
{
    /// <summary>The key for output that contains no known failure.</summary>
    public const string NoneKey = "none";

    /// <summary>The classification of output without a known failure.</summary>
    public static FailureClassification None { get; } =
        new(NoneKey, FailureSeverity.Recoverable, "", [], ReadOnlyDictionary<string, string>.Empty);

    /// <summary>Whether a known failure was found.</summary>
    public bool IsFailure => Key != NoneKey;
}
