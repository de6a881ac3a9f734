using DevServer.Delivery.Preflight;

namespace DevServer.Delivery.Tests.Preflight;

public sealed class SecretScanTests
{
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string Base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// <summary>Each rule with a line that plants a fabricated secret; the third value must never show in findings.</summary>
    public static TheoryData<string, string, string> PlantedSecrets()
    {
        var awsId = "AKIA" + Mbox.Fake(16, 1, Upper);
        var awsSecret = Mbox.Fake(40, 2, Base64);
        var ghp = "ghp_" + Mbox.Fake(36, 3);
        var pat = "github_pat_" + Mbox.Fake(82, 4);
        var glpat = "glpat-" + Mbox.Fake(20, 5);
        var slack = "xoxb-" + Mbox.Fake(12, 6, "0123456789") + "-" + Mbox.Fake(24, 7);
        var webhook = "https://hooks.slack.com/services/T" + Mbox.Fake(8, 8, Upper) + "/B" + Mbox.Fake(8, 9, Upper) + "/" + Mbox.Fake(24, 10);
        var stripe = "sk_live_" + Mbox.Fake(24, 11);
        var google = "AIza" + Mbox.Fake(35, 12);
        var jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." + Mbox.Fake(43, 13);
        var password = Mbox.Fake(18, 14);
        var entropy = Mbox.Fake(32, 15);
        return new TheoryData<string, string, string>
        {
            { PreflightRules.AwsAccessKeyId, $"aws_access_key_id = {awsId}", awsId[4..] },
            { PreflightRules.AwsSecretAccessKey, $"aws_secret_access_key = \"{awsSecret}\"", awsSecret },
            { PreflightRules.GitHubToken, $"token: {ghp}", ghp[4..] },
            { PreflightRules.GitHubToken, $"GH = '{pat}'", pat[11..] },
            { PreflightRules.GitLabToken, $"export GL={glpat}", glpat[6..] },
            { PreflightRules.SlackToken, $"slack({slack})", slack[5..] },
            { PreflightRules.SlackWebhook, $"hook = {webhook}", webhook[33..] },
            { PreflightRules.StripeKey, $"Stripe.ApiKey = \"{stripe}\";", stripe[8..] },
            { PreflightRules.GoogleApiKey, $"const maps = \"{google}\";", google[4..] },
            { PreflightRules.Jwt, $"Authorization: Bearer {jwt}", jwt[3..] },
            { PreflightRules.UrlCredentials, $"DATABASE_URL=postgres://admin:{password}@db.internal:5432/app", password },
            { PreflightRules.HighEntropyAssignment, $"    api_key = \"{entropy}\"", entropy },
        };
    }

    [Theory]
    [MemberData(nameof(PlantedSecrets))]
    public void Scan_PlantedSecret_FoundAtItsLineAndRedacted(string ruleId, string line, string secret)
    {
        var mbox = Mbox.Bytes(Mbox.NewFile("src/config.txt", ["first line", line, "last line"]));

        var report = PreflightGate.Scan(mbox, new PreflightOptions());

        Assert.False(report.Passed);
        var finding = Assert.Single(report.Findings, f => f.RuleId == ruleId);
        Assert.Equal("src/config.txt", finding.File);
        Assert.Equal(2, finding.Line);
        Assert.Contains("****", finding.Preview, StringComparison.Ordinal);
        foreach (var text in report.Findings.SelectMany(f => new[] { f.ToString(), f.Preview, f.File, f.RuleId }).Append(report.ToString()))
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Scan_PrivateKeyBlock_HeaderReportedBodyNeverShown()
    {
        var body = Mbox.Fake(64, 20, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
        var mbox = Mbox.Bytes(Mbox.NewFile("deploy/id_ed25519", ["-----BEGIN OPENSSH PRIVATE KEY-----", body, "-----END OPENSSH PRIVATE KEY-----"]));

        var report = PreflightGate.Scan(mbox, new PreflightOptions());

        var finding = Assert.Single(report.Findings);
        Assert.Equal((PreflightRules.PrivateKey, "deploy/id_ed25519", 1), (finding.RuleId, finding.File, finding.Line));
        Assert.DoesNotContain(body, report.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("password = \"changeme\"")]
    [InlineData("token = getAccessTokenFromTheVaultPlease()")]
    [InlineData("secret_key_base: ${SECRET_KEY_BASE_FROM_ENVIRONMENT}")]
    [InlineData("password: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("var url = \"https://example.com/path?x=1\";")]
    [InlineData("connection = \"postgres://app@db:5432/app\"")]
    [InlineData("auth_header: <your-token-here-please-fill-in>")]
    public void Scan_HarmlessLine_NotFlagged(string line)
    {
        var report = PreflightGate.Scan(Mbox.Bytes(Mbox.NewFile("app/settings.yml", [line])), new PreflightOptions());

        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void Scan_EntropyThresholdRaised_SameValueNotFlagged()
    {
        var mbox = Mbox.Bytes(Mbox.NewFile("a.cfg", [$"client_secret={Mbox.Fake(24, 30)}"]));

        Assert.False(PreflightGate.Scan(mbox, new PreflightOptions()).Passed);
        Assert.True(PreflightGate.Scan(mbox, new PreflightOptions { EntropyThreshold = 6 }).Passed);
    }

    [Theory]
    [InlineData(".env", false)]
    [InlineData("config/.env.production", false)]
    [InlineData(".env.example", true)]
    [InlineData("docs/.env.sample", true)]
    [InlineData("environment.md", true)]
    public void Scan_EnvFile_BlockedUnlessTemplate(string path, bool passes)
    {
        var report = PreflightGate.Scan(Mbox.Bytes(Mbox.NewFile(path, ["LOG_LEVEL=debug"])), new PreflightOptions());

        Assert.Equal(passes, report.Passed);
        if (!passes)
        {
            Assert.Equal(PreflightRules.EnvFile, Assert.Single(report.Findings).RuleId);
        }
    }
}
