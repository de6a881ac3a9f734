using DevServer.Delivery.Preflight;

namespace DevServer.Delivery.Tests.Preflight;

/// <summary>
/// Commit messages are delivered too (commits on the forge, in the pull request): the gate scans them with the same
/// rules as added lines, on series real <c>git format-patch</c> wrote (folded and RFC 2047-encoded subjects included).
/// </summary>
public sealed class CommitMessageScanTests
{
    private static readonly string Token = "ghp_" + Mbox.Fake(36, 61);

    [Fact]
    public async Task Scan_SecretInSubject_SeriesWideFindingNamesTheCommitAndMasksIt()
    {
        using var sandbox = GitSandbox.Create();
        var series = await SeriesAsync(sandbox, "Add the greeting", $"Use {Token} for the API");

        var report = PreflightGate.Scan(series, new PreflightOptions());

        var finding = Assert.Single(report.Findings);
        Assert.Equal((PreflightRules.GitHubToken, "", 0), (finding.RuleId, finding.File, finding.Line));
        Assert.Equal("commit 2 message: Use ghp_**** for the API", finding.Preview);
        AssertNowhere(report, Token[4..]);
    }

    [Fact]
    public async Task Scan_SecretInBody_FoundWithEveryRuleOnTheLineMasked()
    {
        using var sandbox = GitSandbox.Create();
        var password = Mbox.Fake(18, 62);
        var series = await SeriesAsync(
            sandbox, $"Fix the login\n\nThe old token was {Token}; the database is postgres://admin:{password}@db.internal/app.\n\nSigned-off-by: A <a@example.com>");

        var report = PreflightGate.Scan(series, new PreflightOptions());

        const string preview = "commit 1 message: The old token was ghp_****; the database is postgres://admin:****@db.internal/app.";
        Assert.Equal(
            [(PreflightRules.GitHubToken, preview), (PreflightRules.UrlCredentials, preview)],
            report.Findings.Select(f => (f.RuleId, f.Preview)));
        Assert.All(report.Findings, f => Assert.Equal(("", 0), (f.File, f.Line)));
        AssertNowhere(report, Token[4..]);
        AssertNowhere(report, password);
    }

    [Fact]
    public async Task Scan_SecretInFoldedLongSubject_FoundOnTheUnfoldedSubject()
    {
        using var sandbox = GitSandbox.Create();
        var subject = $"Make the login flow keep working when the upstream service rotates its credentials, now with {Token} as the fallback token";
        var series = await SeriesAsync(sandbox, subject);
        // format-patch folded the subject: the token is on a continuation line of the header.
        Assert.Matches($"\nSubject: [^\n]*\n [^\n]*{Token}", GitSandbox.Text(series));

        var report = PreflightGate.Scan(series, new PreflightOptions());

        var finding = Assert.Single(report.Findings);
        Assert.Equal(PreflightRules.GitHubToken, finding.RuleId);
        Assert.Equal($"commit 1 message: {subject.Replace(Token, "ghp_****", StringComparison.Ordinal)}", finding.Preview);
    }

    [Fact]
    public async Task Scan_SecretInEncodedNonAsciiSubject_FoundAcrossTheEncodedWords()
    {
        using var sandbox = GitSandbox.Create();
        var subject = $"Café: use {Token} for the naïve client, because the old one expired";
        var series = await SeriesAsync(sandbox, subject);
        // RFC 2047: the subject is quoted-printable in several encoded words on folded lines, the token cut between two.
        var text = GitSandbox.Text(series);
        Assert.Contains("=?UTF-8?q?", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);

        var report = PreflightGate.Scan(series, new PreflightOptions());

        var finding = Assert.Single(report.Findings);
        Assert.Equal(PreflightRules.GitHubToken, finding.RuleId);
        Assert.Equal("commit 1 message: Café: use ghp_**** for the naïve client, because the old one expired", finding.Preview);
    }

    [Fact]
    public async Task Scan_SecretAfterADashesLineInTheMessage_StillFound()
    {
        // format-patch does not escape a "---" line in a message; what follows it is still in the delivered series.
        using var sandbox = GitSandbox.Create();
        var series = await SeriesAsync(sandbox, $"Tidy up\n\nNotes:\n---\napi_token = {Token}");

        var report = PreflightGate.Scan(series, new PreflightOptions());

        var finding = Assert.Single(report.Findings);
        Assert.Equal((PreflightRules.GitHubToken, "commit 1 message: api_token = ghp_****"), (finding.RuleId, finding.Preview));
    }

    [Fact]
    public async Task Scan_OrdinaryMessages_NoFinding()
    {
        using var sandbox = GitSandbox.Create();
        var series = await SeriesAsync(
            sandbox,
            "Fix the token refresh in auth_client.py when the password_reset flow times out after [PATCH] review",
            "Café: rename the naïve helper\n\n" +
            "The auth token is now read from ${API_TOKEN} (see https://example.com/docs?page=2 and <your-token-here>).\n" +
            "password = \"changeme\" stays in the sample only.\n---\nA note after dashes.\n\n" +
            "Signed-off-by: Test Author <author@example.com>\nCo-authored-by: Somebody Else <else@example.com>");

        var report = PreflightGate.Scan(series, new PreflightOptions());

        Assert.True(report.Passed, report.ToString());
    }

    // A remote with one file, and one commit per message on top of its main branch, as the sidecar's series.
    private static async Task<byte[]> SeriesAsync(GitSandbox sandbox, params string[] messages)
    {
        var (bare, baseCommit) = await sandbox.CreateRemoteAsync("messages", new Dictionary<string, string> { ["greeting.txt"] = "hello\n" });
        var clone = await sandbox.CloneAsync(bare, "work");
        var index = 0;
        foreach (var message in messages)
        {
            await GitSandbox.CommitAsync(clone, new Dictionary<string, string?> { [$"file{++index}.txt"] = $"content {index}\n" }, message);
        }

        var series = await sandbox.FormatPatchAsync(clone, baseCommit);
        Assert.Equal(messages.Length, GitSandbox.Text(series).Split("\nFrom: ").Length - 1);
        return series;
    }

    private static void AssertNowhere(PreflightReport report, string secret)
    {
        foreach (var text in report.Findings.SelectMany(f => new[] { f.ToString(), f.Preview, f.File, f.RuleId }).Append(report.ToString()))
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }
}
