namespace DevServer.Failures;

/// <summary>One entry of the catalogue: a class key (<c>&lt;ecosystem&gt;.&lt;kind&gt;</c>), its severity and what it matches.</summary>
/// <param name="Key">The class key, e.g. <c>python.import</c>.</param>
/// <param name="Severity">Whether retrying can help.</param>
/// <param name="Description">What output the class matches, in one sentence.</param>
public sealed record FailureClass(string Key, FailureSeverity Severity, string Description);
