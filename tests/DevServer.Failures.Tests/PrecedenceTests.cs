namespace DevServer.Failures.Tests;

/// <summary>When several classes match, the more specific one wins, and the general one really did match too.</summary>
public sealed class PrecedenceTests
{
    /// <summary>Real outputs on which both classes' rules match on their own: the first must win.</summary>
    [Theory]
    [InlineData("python.import", "python.traceback")]
    [InlineData("python.name", "python.traceback")]
    [InlineData("python.type", "python.traceback")]
    [InlineData("system.timeout", "python.traceback")]
    [InlineData("dotnet.missing_symbol", "dotnet.compile")]
    [InlineData("ts.cannot_find_module", "ts.compile")]
    [InlineData("java.surefire", "java.maven")]
    [InlineData("rust.test", "rust.panic")]
    [InlineData("node.module_not_found", "node.uncaught")]
    [InlineData("ctest.failure", "none")]
    public void Classify_OutputMatchingTwoClasses_TheSpecificOneWins(string specific, string general)
    {
        var output = Examples.For(specific);

        var matching = FailureClassifier.MatchingKeys(output);

        Assert.Equal(specific, FailureClassifier.Classify(output).Key);
        if (general != FailureClassification.NoneKey)
        {
            Assert.Contains(general, matching);
            Assert.True(Index(specific) < Index(general), $"{specific} must come before {general} in the catalogue.");
        }
    }

    [Theory]
    [InlineData("java.compile--maven.txt", "java.maven")]
    [InlineData("java.compile--gradle.txt", "java.gradle")]
    public void Classify_CompileErrorThroughABuildTool_IsJavaCompileNotTheBuildTool(string file, string buildTool)
    {
        var output = Examples.Read(file);

        Assert.Contains(buildTool, FailureClassifier.MatchingKeys(output));
        Assert.Equal("java.compile", FailureClassifier.Classify(output).Key);
    }

    /// <summary>Two real outputs one after the other, as a stage that runs several commands prints them.</summary>
    [Theory]
    [InlineData("dotnet.compile", "dotnet.restore", "dotnet.restore")]
    [InlineData("make.failed", "git.merge_conflict", "git.merge_conflict")]
    [InlineData("python.traceback", "python.import", "python.import")]
    [InlineData("js.jest", "vendor.rate_limit", "vendor.rate_limit")]
    [InlineData("c.compile", "system.no_space", "system.no_space")]
    [InlineData("system.segfault", "c.asan", "c.asan")]
    [InlineData("npm.install", "network.dns", "npm.install")]
    [InlineData("git.nothing_to_commit", "python.pytest", "python.pytest")]
    public void Classify_TwoFailuresInOneOutput_ThePrecedenceDecidesNotTheOrder(string first, string second, string expected)
    {
        var forwards = Examples.For(first) + "\n" + Examples.For(second);
        var backwards = Examples.For(second) + "\n" + Examples.For(first);

        Assert.Equal(expected, FailureClassifier.Classify(forwards).Key);
        Assert.Equal(expected, FailureClassifier.Classify(backwards).Key);
    }

    [Fact]
    public void Classes_Order_IsTheDocumentedPrecedence()
    {
        var keys = FailureClassifier.Classes.Select(c => c.Key).ToList();

        // Vendor problems first, the generic wrappers (an uncaught Node error, a bare traceback, make) last, and
        // "nothing to commit" (routine in an agent's transcript) after everything.
        Assert.Equal("vendor.auth", keys[0]);
        Assert.Equal(["make.failed", "git.nothing_to_commit"], keys[^2..]);
        Assert.True(keys.IndexOf("python.traceback") > keys.IndexOf("python.pytest"));
        Assert.True(keys.IndexOf("dotnet.restore") < keys.IndexOf("dotnet.compile"));
        Assert.True(keys.IndexOf("git.merge_conflict") < keys.IndexOf("make.failed"));
    }

    private static int Index(string key) => FailureClassifier.Classes.Select(c => c.Key).ToList().IndexOf(key);
}
