using DevServer.Delivery.Preflight;

namespace DevServer.Delivery.Tests.Preflight;

public sealed class PathAndLimitTests
{
    [Theory]
    [InlineData(".github/workflows/ci.yml", PreflightRules.DeniedPath)]
    [InlineData(".gitea/workflows/build.yaml", PreflightRules.DeniedPath)]
    [InlineData(".gitlab-ci.yml", PreflightRules.DeniedPath)]
    [InlineData("web/package-lock.json", PreflightRules.LockFile)]
    [InlineData("Cargo.lock", PreflightRules.LockFile)]
    public void Scan_ForbiddenPath_Blocked(string path, string ruleId)
    {
        var report = PreflightGate.Scan(Mbox.Bytes(Mbox.NewFile(path, ["x: 1"])), new PreflightOptions());

        var finding = Assert.Single(report.Findings);
        Assert.Equal((ruleId, path, 0), (finding.RuleId, finding.File, finding.Line));
    }

    [Fact]
    public void Scan_LockFileAllowed_Passes()
    {
        var options = new PreflightOptions { Paths = new PathRuleOptions { AllowLockFiles = true } };

        Assert.True(PreflightGate.Scan(Mbox.Bytes(Mbox.NewFile("web/package-lock.json", ["{}"])), options).Passed);
    }

    [Fact]
    public void Scan_AllowList_OnlyListedPathsPass()
    {
        var options = new PreflightOptions { Paths = new PathRuleOptions { Allowed = ["src/**", "docs/*.md"] } };
        var mbox = Mbox.Bytes(
            Mbox.NewFile("src/deep/a/b.cs", ["class B {}"]),
            Mbox.NewFile("docs/guide.md", ["# Guide"]),
            Mbox.NewFile("docs/sub/deeper.md", ["# Deeper"]),
            Mbox.NewFile("Makefile", ["all:"]));

        var report = PreflightGate.Scan(mbox, options);

        Assert.Equal(
            [(PreflightRules.NotAllowedPath, "Makefile"), (PreflightRules.NotAllowedPath, "docs/sub/deeper.md")],
            report.Findings.Select(f => (f.RuleId, f.File)));
    }

    [Fact]
    public void Scan_UnexpectedAuthor_Blocked_ExpectedDomainPasses()
    {
        var mbox = Mbox.Bytes(
            Mbox.NewFile("a.txt", ["a"], author: "Agent <agent@devserver.invalid>"),
            Mbox.NewFile("b.txt", ["b"], author: "=?UTF-8?q?Mall=C3=B6ry?= <mallory@evil.example>"));
        var options = new PreflightOptions { Identity = new IdentityRuleOptions { AllowedDomains = ["devserver.invalid"] } };

        var report = PreflightGate.Scan(mbox, options);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(PreflightRules.Author, finding.RuleId);
        Assert.Contains("patch 2", finding.Preview, StringComparison.Ordinal);
        Assert.Contains("mallory@evil.example", finding.Preview, StringComparison.Ordinal);
        Assert.True(PreflightGate.Scan(mbox, options with
        {
            Identity = new IdentityRuleOptions { AllowedDomains = ["devserver.invalid"], AllowedEmails = ["Mallory@Evil.Example"] },
        }).Passed);
    }

    [Fact]
    public void Scan_SizeLimits_EachReported()
    {
        var mbox = Mbox.Bytes(
            Mbox.NewFile("big.txt", [new string('x', 300)]),
            Mbox.NewFile("small1.txt", ["a"]),
            Mbox.NewFile("small2.txt", ["b"]));
        var options = new PreflightOptions
        {
            Limits = new SizeLimitOptions { MaxSeriesBytes = 500, MaxFilesChanged = 2, MaxFileBytes = 100 },
        };

        var report = PreflightGate.Scan(mbox, options);

        Assert.Equal(
            [(PreflightRules.FilesChanged, ""), (PreflightRules.SeriesBytes, ""), (PreflightRules.FileBytes, "big.txt")],
            report.Findings.Select(f => (f.RuleId, f.File)));
    }

    [Fact]
    public void Scan_ManyFindings_OrderIsDeterministic()
    {
        var secret = "ghp_" + Mbox.Fake(36, 40);
        var patches = new[]
        {
            Mbox.NewFile("z.txt", [secret]),
            Mbox.NewFile(".github/workflows/x.yml", ["on: push"]),
            Mbox.NewFile("a.txt", ["ok", secret]),
            Mbox.NewFile(".env", [$"TOKEN={secret}"]),
        };
        var forward = PreflightGate.Scan(Mbox.Bytes(patches), new PreflightOptions());
        var backward = PreflightGate.Scan(Mbox.Bytes([.. patches.Reverse()]), new PreflightOptions());

        Assert.Equal(forward.Findings, backward.Findings);
        Assert.Equal(
            [
                (PreflightRules.EnvFile, ".env", 0), (PreflightRules.GitHubToken, ".env", 1), (PreflightRules.DeniedPath, ".github/workflows/x.yml", 0),
                (PreflightRules.GitHubToken, "a.txt", 2), (PreflightRules.GitHubToken, "z.txt", 1),
            ],
            forward.Findings.Select(f => (f.RuleId, f.File, f.Line)));
    }

    [Fact]
    public void Scan_NotAnMbox_ReportedUnreadable()
    {
        var report = PreflightGate.Scan("just some text\n"u8, new PreflightOptions());

        Assert.Equal(PreflightRules.Unreadable, Assert.Single(report.Findings).RuleId);
    }

    [Theory]
    [InlineData("src/**", "src/a.cs", true)]
    [InlineData("src/**", "src/x/y/z.cs", true)]
    [InlineData("src/**", "test/src/a.cs", false)]
    [InlineData("**/*.lock", "a/b/c.lock", true)]
    [InlineData("**/*.lock", "c.lock", true)]
    [InlineData("*.md", "deep/down/README.md", true)]
    [InlineData("docs/*.md", "docs/a/b.md", false)]
    [InlineData("file?.txt", "file1.txt", true)]
    [InlineData("file?.txt", "file10.txt", false)]
    [InlineData(".gitlab-ci.yml", "sub/.gitlab-ci.yml", true)]
    [InlineData("a+b.txt", "a+b.txt", true)]
    public void Glob_Pattern_MatchesAsDocumented(string pattern, string path, bool matches) =>
        Assert.Equal(matches, new Glob(pattern).IsMatch(path));
}
