namespace DevServer.Delivery.Preflight;

/// <summary>
/// One violation, redacted: which rule, where, and a preview in which every detected secret is masked. Nothing in a
/// finding carries a secret's value, so findings may go into events, logs and pull request comments.
/// </summary>
/// <param name="RuleId">The rule (see <see cref="PreflightRules"/>).</param>
/// <param name="File">The path in the new tree; empty for series-wide findings (size, author, a commit message).</param>
/// <param name="Line">The line number in the new file; 0 when the finding is not about one line.</param>
/// <param name="Preview">What was found, masked.</param>
public sealed record PreflightFinding(string RuleId, string File, int Line, string Preview)
{
    public override string ToString() =>
        File.Length == 0 ? $"{RuleId}: {Preview}" : Line == 0 ? $"{RuleId} {File}: {Preview}" : $"{RuleId} {File}:{Line}: {Preview}";
}

/// <summary>What the gate found; delivery may go ahead only when it <see cref="Passed"/>.</summary>
public sealed record PreflightReport(IReadOnlyList<PreflightFinding> Findings)
{
    public bool Passed => Findings.Count == 0;

    public override string ToString() =>
        Passed ? "preflight passed" : $"preflight blocked: {Findings.Count} finding(s)\n" + string.Join('\n', Findings);
}

/// <summary>The rule ids findings carry (stable: events and documentation refer to them).</summary>
public static class PreflightRules
{
    public const string PrivateKey = "secret.private-key";
    public const string AwsAccessKeyId = "secret.aws-access-key-id";
    public const string AwsSecretAccessKey = "secret.aws-secret-access-key";
    public const string GitHubToken = "secret.github-token";
    public const string GitLabToken = "secret.gitlab-token";
    public const string SlackToken = "secret.slack-token";
    public const string SlackWebhook = "secret.slack-webhook";
    public const string StripeKey = "secret.stripe-key";
    public const string GoogleApiKey = "secret.google-api-key";
    public const string Jwt = "secret.jwt";
    public const string UrlCredentials = "secret.url-credentials";
    public const string EnvFile = "secret.env-file";
    public const string HighEntropyAssignment = "secret.high-entropy-assignment";
    public const string DeniedPath = "path.denied";
    public const string LockFile = "path.lock-file";
    public const string NotAllowedPath = "path.not-allowed";
    public const string Author = "identity.author";
    public const string SeriesBytes = "size.series-bytes";
    public const string FilesChanged = "size.files-changed";
    public const string FileBytes = "size.file-bytes";
    public const string Unreadable = "series.unreadable";
}
