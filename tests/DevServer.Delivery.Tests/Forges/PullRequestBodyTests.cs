using DevServer.Delivery.Forges;
using DevServer.Delivery.Git;

namespace DevServer.Delivery.Tests.Forges;

public sealed class PullRequestBodyTests
{
    internal static PullRequestSummary Summary() => new(
        42,
        "Fix the login bug\n(second try)",
        ["Validate the session token before use", "Add | pipe and `tick` handling"],
        new DiffStatistics(
        [
            new FileStatistics("src/auth/session.cs", 12, 3, false),
            new FileStatistics("docs/a|b`c.md", 1, 0, false),
            new FileStatistics("assets/logo.png", 0, 0, true),
        ]),
        [
            new VerificationStageResult("build", true, TimeSpan.FromSeconds(12.34), "0 warnings"),
            new VerificationStageResult("test", true, TimeSpan.FromSeconds(95), "212 passed, 0 failed"),
            new VerificationStageResult("lint", false, TimeSpan.FromMilliseconds(800), "2 findings | advisory"),
        ],
        new RunMetrics(2, 31, 0.4251m, TimeSpan.FromMinutes(64) + TimeSpan.FromSeconds(5), "claude-code", "claude-sonnet-4-5", "codex"));

    [Fact]
    public void Build_FullSummary_MatchesGolden()
    {
        var golden = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Forges", "PullRequestBody.golden.md"));

        Assert.Equal(golden, PullRequestBody.Build(Summary()));
    }

    [Fact]
    public void Build_NoStagesNoFailover_SaysSo()
    {
        var body = PullRequestBody.Build(Summary() with
        {
            Stages = [],
            Statistics = new DiffStatistics([new FileStatistics("a.txt", 1, 0, false)]),
            Metrics = new RunMetrics(1, 3, 0m, TimeSpan.FromSeconds(5), "codex", string.Empty, null),
        });

        Assert.Contains("\nNot verified.\n", body, StringComparison.Ordinal);
        Assert.Contains("\n1 file changed, 1 insertions(+), 0 deletions(-)\n", body, StringComparison.Ordinal);
        Assert.Contains("\n- Vendor: codex\n- Failover: none\n", body, StringComparison.Ordinal);
        Assert.EndsWith("<!-- devserver:task=42 -->\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SameSummary_SameBytes() =>
        Assert.Equal(PullRequestBody.Build(Summary()), PullRequestBody.Build(Summary()));
}
