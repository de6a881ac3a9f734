using System.Text.RegularExpressions;

namespace DevServer.Failures.Tests;

/// <summary>The catalogue's shape: unique keys of the form ecosystem.kind, descriptions, the chosen severities.</summary>
public sealed partial class CatalogueTests
{
    [Fact]
    public void Classes_Keys_AreUniqueAndOfTheFormEcosystemDotKind()
    {
        var keys = FailureClassifier.Classes.Select(c => c.Key).ToArray();

        Assert.Equal(keys.Length, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.All(keys, key => Assert.Matches(KeyForm(), key));
        Assert.All(FailureClassifier.Classes, c => Assert.False(string.IsNullOrWhiteSpace(c.Description)));
    }

    [Fact]
    public void Classes_HardOnes_AreExactlyTheEnvironmentProblems()
    {
        var hard = FailureClassifier.Classes.Where(c => c.Severity == FailureSeverity.Hard).Select(c => c.Key).Order(StringComparer.Ordinal);

        Assert.Equal(
            ["git.auth", "git.merge_conflict", "shell.command_not_found", "shell.permission_denied", "system.no_space", "vendor.auth"],
            hard);
    }

    [Fact]
    public void Classes_RateLimit_IsRecoverable()
    {
        Assert.Equal(FailureSeverity.Recoverable, FailureClassifier.Find("vendor.rate_limit")!.Severity);
    }

    [Fact]
    public void Find_UnknownKey_ReturnsNull()
    {
        Assert.Null(FailureClassifier.Find("cobol.compile"));
    }

    [GeneratedRegex("^[a-z]+\\.[a-z_]+$")]
    private static partial Regex KeyForm();
}
