using System.Text.RegularExpressions;

namespace DevServer.Delivery.Preflight;

/// <summary>Where a secret sits in a line; <see cref="Marker"/> is the rule's fixed, non-secret prefix kept in previews.</summary>
internal readonly record struct SecretMatch(string RuleId, int Start, int Length, string Marker);

/// <summary>The secret patterns, each matched on one added line.</summary>
internal static partial class SecretRules
{
    private static readonly (string RuleId, Func<Regex> Pattern, string ValueGroup, string Marker)[] Patterns =
    [
        (PreflightRules.PrivateKey, PrivateKeyHeader, "value", string.Empty),
        (PreflightRules.AwsAccessKeyId, AwsAccessKeyId, "value", string.Empty),
        (PreflightRules.AwsSecretAccessKey, AwsSecretAccessKey, "value", string.Empty),
        (PreflightRules.GitHubToken, GitHubToken, "value", string.Empty),
        (PreflightRules.GitLabToken, GitLabToken, "value", "glpat-"),
        (PreflightRules.SlackWebhook, SlackWebhook, "value", "https://hooks.slack.com/services/"),
        (PreflightRules.SlackToken, SlackToken, "value", string.Empty),
        (PreflightRules.StripeKey, StripeKey, "value", string.Empty),
        (PreflightRules.GoogleApiKey, GoogleApiKey, "value", "AIza"),
        (PreflightRules.Jwt, Jwt, "value", "eyJ"),
        (PreflightRules.UrlCredentials, UrlCredentials, "value", string.Empty),
    ];

    public static List<SecretMatch> Find(string line, PreflightOptions options)
    {
        var found = new List<SecretMatch>();
        foreach (var (ruleId, pattern, group, marker) in Patterns)
        {
            foreach (Match match in pattern().Matches(line))
            {
                var value = match.Groups[group];
                if (ruleId == PreflightRules.UrlCredentials && IsPlaceholder(value.Value))
                {
                    continue;
                }

                var kept = ruleId switch
                {
                    PreflightRules.PrivateKey => string.Empty,
                    PreflightRules.AwsAccessKeyId or PreflightRules.StripeKey or PreflightRules.SlackToken => match.Groups["prefix"].Value,
                    PreflightRules.GitHubToken => match.Groups["prefix"].Value,
                    _ => marker,
                };
                // A private key's header is not itself secret; it is reported, and the preview keeps it readable.
                found.Add(ruleId == PreflightRules.PrivateKey
                    ? new SecretMatch(ruleId, value.Index, 0, kept)
                    : new SecretMatch(ruleId, value.Index, value.Length, kept));
            }
        }

        foreach (Match match in SecretAssignment().Matches(line))
        {
            var value = match.Groups["value"];
            if (value.Length >= options.MinimumSecretLength
                && ShannonEntropy(value.Value) >= options.EntropyThreshold
                && !IsPlaceholder(value.Value)
                && LooksLikeGeneratedValue(value.Value)
                && !found.Any(f => Overlaps(f, value.Index, value.Length)))
            {
                found.Add(new SecretMatch(PreflightRules.HighEntropyAssignment, value.Index, value.Length, string.Empty));
            }
        }

        return found;
    }

    /// <summary>Bits per character of the value's character distribution.</summary>
    public static double ShannonEntropy(string value)
    {
        if (value.Length == 0)
        {
            return 0;
        }

        var counts = new Dictionary<char, int>();
        foreach (var c in value)
        {
            counts[c] = counts.GetValueOrDefault(c) + 1;
        }

        var entropy = 0.0;
        foreach (var count in counts.Values)
        {
            var p = (double)count / value.Length;
            entropy -= p * Math.Log2(p);
        }

        return entropy;
    }

    /// <summary>The line with every secret replaced by its marker and asterisks, cut to a readable length.</summary>
    public static string Mask(string line, IReadOnlyList<SecretMatch> matches)
    {
        var masked = line;
        foreach (var match in matches.Where(m => m.Length > 0).OrderByDescending(m => m.Start))
        {
            masked = string.Concat(masked.AsSpan(0, match.Start), match.Marker, "****", masked.AsSpan(match.Start + match.Length));
        }

        masked = masked.Trim();
        return masked.Length <= 160 ? masked : string.Concat(masked.AsSpan(0, 157), "...");
    }

    // Generated secrets mix letters and digits; identifiers and calls (getAccessTokenFromVault()) do not look like that.
    private static bool LooksLikeGeneratedValue(string value) =>
        value.Any(char.IsAsciiDigit) && value.Any(char.IsAsciiLetter) && value.IndexOfAny(['(', ')', '[', ']']) < 0;

    private static bool Overlaps(SecretMatch match, int start, int length) =>
        match.Start < start + length && start < match.Start + Math.Max(match.Length, 1);

    // Templates and references, not values: ${TOKEN}, <password>, {{ secrets.X }}, $(cat file), ****.
    private static bool IsPlaceholder(string value) =>
        value.Length == 0 || value[0] is '$' or '<' or '{' or '%' || value.All(c => c is '*' or 'x' or 'X' or '.');

    [GeneratedRegex(@"(?<value>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)")]
    private static partial Regex PrivateKeyHeader();

    [GeneratedRegex(@"(?<![A-Z0-9])(?<value>(?<prefix>AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16})(?![A-Z0-9])")]
    private static partial Regex AwsAccessKeyId();

    [GeneratedRegex(@"(?i)aws[A-Za-z0-9_.\-]{0,20}(?:secret|sk)[A-Za-z0-9_.\-]{0,20}[""']?\s*[:=]{1,2}>?\s*[""']?(?<value>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])")]
    private static partial Regex AwsSecretAccessKey();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(?<value>(?<prefix>gh[pousr]_|github_pat_)[A-Za-z0-9_]{22,255})")]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"(?<value>glpat-[A-Za-z0-9_\-]{20,})")]
    private static partial Regex GitLabToken();

    [GeneratedRegex(@"(?<value>(?<prefix>xox[abpr]-)[A-Za-z0-9\-]{10,})")]
    private static partial Regex SlackToken();

    [GeneratedRegex(@"(?<value>https://hooks\.slack\.com/services/[A-Za-z0-9_/]{20,})")]
    private static partial Regex SlackWebhook();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(?<value>(?<prefix>sk_live_|rk_live_)[0-9A-Za-z]{16,})")]
    private static partial Regex StripeKey();

    [GeneratedRegex(@"(?<value>AIza[0-9A-Za-z_\-]{35})")]
    private static partial Regex GoogleApiKey();

    [GeneratedRegex(@"(?<value>eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})")]
    private static partial Regex Jwt();

    [GeneratedRegex(@"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/:@'""]+:(?<value>[^\s/@'""]+)@[A-Za-z0-9.\-\[\]]+")]
    private static partial Regex UrlCredentials();

    [GeneratedRegex(@"(?i)(?<name>[A-Za-z0-9_.\-]*(?:password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|credential|auth)[A-Za-z0-9_.\-]*)[""']?\s*(?::=|=>|:|=)\s*[""'`]?(?<value>[^\s""'`,;]+)")]
    private static partial Regex SecretAssignment();
}
