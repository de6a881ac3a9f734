using System.Text;
using System.Text.RegularExpressions;
using DevServer.Delivery.Preflight;

namespace DevServer.Delivery.Tests.Preflight;

/// <summary>
/// Authors are delivered too (every commit names one) and an agent picks them (<c>git config user.name</c>,
/// <c>user.email</c>, a <c>From:</c> line starting its message): the gate scans each author as <c>git am</c> records
/// it, on series real <c>git format-patch</c> wrote; where the test says so, real <c>git am</c> shows what it records.
/// </summary>
public sealed class AuthorScanTests
{
    private static readonly string Token = "ghp_" + Mbox.Fake(36, 61);

    [Theory]
    [InlineData("Agent {token}", "Agent ghp_****")]
    [InlineData("Agent \"Q\" Smith {token}", "Agent \"Q\" Smith ghp_****")]
    public async Task Scan_SecretInAuthorName_SeriesWideFindingNamesTheCommitAndMasksIt(string name, string maskedName)
    {
        using var sandbox = GitSandbox.Create();
        var (_, series) = await SeriesAsync(
            sandbox, new Commit("Add the greeting"), new Commit("Add more", name.Replace("{token}", Token, StringComparison.Ordinal)));

        var report = PreflightGate.Scan(series, new PreflightOptions());

        var finding = Assert.Single(report.Findings);
        Assert.Equal((PreflightRules.GitHubToken, "", 0), (finding.RuleId, finding.File, finding.Line));
        Assert.Equal($"commit 2 author: {maskedName} <agent@example.com>", finding.Preview);
        AssertNowhere(report, Token[4..]);
    }

    [Fact]
    public async Task Scan_SecretInEncodedNonAsciiAuthorName_FoundAcrossTheEncodedWords()
    {
        using var sandbox = GitSandbox.Create();
        var (_, series) = await SeriesAsync(sandbox, new Commit("Add the greeting", $"Zoë the agent with {Token} for the naïve client"));
        // RFC 2047: format-patch wrote the name as quoted-printable words on folded lines, the token cut between two.
        var text = GitSandbox.Text(series);
        Assert.Matches("\nFrom: =\\?UTF-8\\?q\\?[^\n]*\n =\\?UTF-8\\?q\\?", text);
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Token[..20], text, StringComparison.Ordinal);

        var report = PreflightGate.Scan(series, new PreflightOptions());

        var finding = Assert.Single(report.Findings);
        Assert.Equal(PreflightRules.GitHubToken, finding.RuleId);
        Assert.Equal("commit 1 author: Zoë the agent with ghp_**** for the naïve client <agent@example.com>", finding.Preview);
    }

    [Fact]
    public async Task Scan_SecretInAuthorEmail_FoundAndMaskedInTheIdentityFindingToo()
    {
        using var sandbox = GitSandbox.Create();
        var (_, series) = await SeriesAsync(sandbox, new Commit("Add the greeting", "Agent", $"bot+{Token}@example.com"));
        var options = new PreflightOptions { Identity = new IdentityRuleOptions { AllowedDomains = ["devserver.invalid"] } };

        var report = PreflightGate.Scan(series, options);

        Assert.Equal(
            [
                (PreflightRules.Author, "patch 1 is authored by bot+ghp_****@example.com, which is not an expected identity"),
                (PreflightRules.GitHubToken, "commit 1 author: Agent <bot+ghp_****@example.com>"),
            ],
            report.Findings.Select(f => (f.RuleId, f.Preview)));
        AssertNowhere(report, Token[4..]);
    }

    [Theory]
    [InlineData("q")]
    [InlineData("b-unpadded")]
    [InlineData("q-two-charsets")]
    public async Task Scan_EncodedWordsInAuthorEmail_FoundAsGitAmRecordsThem(string encoding)
    {
        // format-patch writes an e-mail as it is; git am decodes encoded words in the whole From header, leniently.
        var base64 = Convert.ToBase64String(Encoding.ASCII.GetBytes(Token));
        Assert.EndsWith("=", base64, StringComparison.Ordinal);
        var email = encoding switch
        {
            "q" => $"=?UTF-8?q?{Token.Replace("_", "=5F", StringComparison.Ordinal)}?=@example.com",
            "b-unpadded" => $"=?UTF-8?b?{base64.TrimEnd('=')}?=@example.com",
            _ => $"=?UTF-8?q?{Token[..10].Replace("_", "=5F", StringComparison.Ordinal)}?= =?ISO-8859-1?q?{Token[10..]}?=@example.com",
        };
        using var sandbox = GitSandbox.Create();
        var (bare, series) = await SeriesAsync(sandbox, new Commit("Add the greeting", "Agent", email));
        Assert.DoesNotContain(Token, GitSandbox.Text(series), StringComparison.Ordinal);
        Assert.Equal([$"Agent <{Token}@example.com> | Add the greeting"], await AppliedAsync(sandbox, bare, series));

        var report = PreflightGate.Scan(series, new PreflightOptions());

        var finding = Assert.Single(report.Findings);
        Assert.Equal((PreflightRules.GitHubToken, "commit 1 author: Agent <ghp_****@example.com>"), (finding.RuleId, finding.Preview));
    }

    [Fact]
    public async Task Scan_InBodyFromAndSubjectLines_TheAuthorAndSubjectGitAmRecordsAreScanned()
    {
        // A message starting with "From:" (here folded, its value on the next line) and "Subject:" lines: git am takes
        // them as the commit's author and subject, decoded, instead of the mail's.
        var quoted = Token.Replace("_", "=5F", StringComparison.Ordinal);
        var message = $"Tidy up\n\nFrom:\n =?UTF-8?q?Agent_{quoted}?= <mallory@evil.example>\nSubject: =?UTF-8?q?Use_{quoted}?=\n\nThe body.";
        using var sandbox = GitSandbox.Create();
        var (bare, series) = await SeriesAsync(sandbox, new Commit(message));
        Assert.DoesNotContain(Token, GitSandbox.Text(series), StringComparison.Ordinal);
        Assert.Equal([$"Agent {Token} <mallory@evil.example> | Use {Token}"], await AppliedAsync(sandbox, bare, series));
        var options = new PreflightOptions { Identity = new IdentityRuleOptions { AllowedDomains = ["example.com"] } };

        var report = PreflightGate.Scan(series, options);

        Assert.Equal(
            [
                (PreflightRules.Author, "patch 1 is authored by mallory@evil.example, which is not an expected identity"),
                (PreflightRules.GitHubToken, "commit 1 author: Agent ghp_**** <mallory@evil.example>"),
                (PreflightRules.GitHubToken, "commit 1 message: Use ghp_****"),
            ],
            report.Findings.Select(f => (f.RuleId, f.Preview)));
    }

    [Fact]
    public async Task Scan_OrdinaryAuthors_NoFinding()
    {
        using var sandbox = GitSandbox.Create();
        var (_, series) = await SeriesAsync(
            sandbox,
            new Commit("Add the greeting", "Test Author", "author@example.com"),
            new Commit("Rename the naïve helper", "Zoë Ångström-Auth", "zoe.auth+token@example.com"),
            new Commit("Fix the password reset", "Agent A. \"Q\" Smith, API token team", "api-token@example.com"),
            new Commit("Tidy up", "A very long author name that format-patch has to fold onto a second header line for sure", "long@example.com"),
            new Commit("Credit\n\nFrom: Somebody Else <else@example.com>\n\nThe body.", "Agent", "agent@example.com"));
        Assert.Matches("\nFrom: A very long[^\n]*\n [^\n]+", GitSandbox.Text(series));
        var options = new PreflightOptions { Identity = new IdentityRuleOptions { AllowedDomains = ["example.com"] } };

        var report = PreflightGate.Scan(series, options);

        Assert.True(report.Passed, report.ToString());
    }

    private sealed record Commit(string Message, string Name = "Agent", string Email = "agent@example.com");

    // A remote with one file, and one commit per entry on top of its main branch, as the sidecar's series; the agent
    // chose the author (git config user.name, user.email).
    private static async Task<(string Bare, byte[] Series)> SeriesAsync(GitSandbox sandbox, params Commit[] commits)
    {
        var (bare, baseCommit) = await sandbox.CreateRemoteAsync("authors", new Dictionary<string, string> { ["greeting.txt"] = "hello\n" });
        var clone = await sandbox.CloneAsync(bare, "work");
        var index = 0;
        foreach (var commit in commits)
        {
            await File.WriteAllTextAsync(Path.Combine(clone, $"file{++index}.txt"), $"content {index}\n", TestContext.Current.CancellationToken);
            await GitSandbox.GitAsync(clone, "add", "--all");
            await GitSandbox.GitAsync(
                clone, "-c", $"user.name={commit.Name}", "-c", $"user.email={commit.Email}", "commit", "--quiet", "-m", commit.Message);
        }

        var series = await sandbox.FormatPatchAsync(clone, baseCommit);
        Assert.Equal(commits.Length, Regex.Count(GitSandbox.Text(series), "^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$", RegexOptions.Multiline));
        return (bare, series);
    }

    // What delivery's git am records: "author <email> | subject" of each applied commit, oldest first.
    private static async Task<string[]> AppliedAsync(GitSandbox sandbox, string bare, byte[] series)
    {
        var clone = await sandbox.CloneAsync(bare, "applied");
        var file = Path.Combine(sandbox.Root, "applied.mbox");
        await File.WriteAllBytesAsync(file, series, TestContext.Current.CancellationToken);
        await GitSandbox.GitAsync(clone, "am", "--quiet", "--keep-cr", "--keep-non-patch", file);
        var log = await GitSandbox.GitAsync(clone, "log", "--reverse", "--format=%an <%ae> | %s", "origin/main..HEAD");
        return log.Split('\n');
    }

    private static void AssertNowhere(PreflightReport report, string secret)
    {
        foreach (var text in report.Findings.SelectMany(f => new[] { f.ToString(), f.Preview, f.File, f.RuleId }).Append(report.ToString()))
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }
}
