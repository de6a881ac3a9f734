using System.Text;

namespace DevServer.Failures.Tests;

/// <summary>Hints name what was captured; clean, empty, large, hostile and decorated input.</summary>
public sealed class ClassifierTests
{
    [Theory]
    [InlineData("python.import", "'billing'", "app/main.py:3")]
    [InlineData("python.syntax", "'(' was never closed", "app/cart.py:2")]
    [InlineData("python.name", "'pi'", "geometry.py:2")]
    [InlineData("python.attribute", "'parse'", "config.py:5")]
    [InlineData("python.pytest", "tests/test_calc.py::test_multiply", "assert 5 == 6")]
    [InlineData("python.unittest", "test_calc.CalcTests.test_multiply", "test_calc.py:8")]
    [InlineData("ts.compile", "TS2322", "src/invoice.ts:7:9")]
    [InlineData("ts.cannot_find_module", "'./money.js'", "src/cart.ts:1:29")]
    [InlineData("node.module_not_found", "'./text/slugify'", "src/index.js")]
    [InlineData("js.jest", "multiply › multiplies two numbers", "calc.test.js:5:28")]
    [InlineData("js.vitest", "multiplies two numbers", "calc.test.js:6:28")]
    [InlineData("js.node_test", "'multiplies two numbers'", "calc.test.mjs:6:10")]
    [InlineData("js.eslint", "no-unused-vars", "src/zero.js:2:9")]
    [InlineData("npm.install", "ETARGET", "left-pad@99.0.0")]
    [InlineData("dotnet.restore", "NU1102", "Newtonsoft.Json")]
    [InlineData("dotnet.missing_symbol", "CS0103", "Invoice.cs:7:27")]
    [InlineData("dotnet.compile", "CS0266", "Invoice.cs:7:23")]
    [InlineData("dotnet.test", "Calc.Tests.MultiplyTests.Multiply_TwoNumbers_ReturnsProduct", "MultiplyTests.cs:10")]
    [InlineData("java.compile", "Invoice.java:5", "variable taxes")]
    [InlineData("java.surefire", "calc.CalcTest.multipliesTwoNumbers", "line 10")]
    [InlineData("java.gradle", "compileClasspath", "guava")]
    [InlineData("java.maven", "maven-resources-plugin", "could not be resolved")]
    [InlineData("rust.compile", "E0425", "src/main.rs:3:26")]
    [InlineData("rust.clippy", "needless_return", "src/lib.rs:2:5")]
    [InlineData("rust.test", "tests::multiplies_two_numbers", "src/lib.rs:11:9")]
    [InlineData("rust.panic", "src/main.rs:2:71", "PORT must be a number")]
    [InlineData("go.compile", "./main.go:7:20", "undefined: tax")]
    [InlineData("go.test", "TestMultiply", "calc_test.go:7")]
    [InlineData("c.compile", "main.c:5:17", "count")]
    [InlineData("c.link", "'checksum'", "main()")]
    [InlineData("c.asan", "heap-buffer-overflow", "overflow.c:6")]
    [InlineData("c.ubsan", "overflow.c:7:9", "signed integer overflow")]
    [InlineData("cmake.configure", "CMakeLists.txt:3", "'ZeroMQ'")]
    [InlineData("ctest.failure", "'multiply'", "expected 6")]
    [InlineData("make.failed", "'check'", "Makefile:3")]
    [InlineData("git.merge_conflict", "calc.py", "(content)")]
    [InlineData("git.push_rejected", "main -> main", "non-fast-forward")]
    [InlineData("git.auth", "/team/calc.git", "Authentication failed")]
    [InlineData("shell.command_not_found", "'pnpm'", "PATH")]
    [InlineData("shell.permission_denied", "./run-tests.sh", "Permission denied")]
    [InlineData("system.no_space", "/dev/full", "No space left on device")]
    [InlineData("system.segfault", "'./crash'", "segmentation fault")]
    [InlineData("system.killed", "kill -9", "137")]
    [InlineData("system.timeout", "['sleep', '5']", "timed out after")]
    [InlineData("network.dns", "'registry.devserver.invalid'", "resolve")]
    [InlineData("network.connection", "Connection refused", "server")]
    [InlineData("vendor.rate_limit", "You've hit your limit", "resets 3pm")]
    [InlineData("vendor.auth", "Please set an Auth method", "API key")]
    [InlineData("vendor.overloaded", "API Error: 529", "retry")]
    public void Classify_RecordedExample_HintNamesWhatWasCaptured(string key, string first, string second)
    {
        var result = FailureClassifier.Classify(Examples.For(key));

        Assert.Equal(key, result.Key);
        Assert.Contains(first, result.Hint, StringComparison.Ordinal);
        Assert.Contains(second, result.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_PythonImport_CapturesModuleFileAndLine()
    {
        var result = FailureClassifier.Classify(Examples.For("python.import"));

        Assert.Equal("billing", result.Captured["module"]);
        Assert.Equal("/tmp/example/py-import/app/main.py", result.Captured["file"]);
        Assert.Equal("3", result.Captured["line"]);
        Assert.Equal(
            ["File \"/tmp/example/py-import/app/main.py\", line 3, in <module>", "ModuleNotFoundError: No module named 'billing'"],
            result.Evidence);
    }

    [Fact]
    public void Classify_MsBuildErrorPrintedTwice_QuotesItOnce()
    {
        var result = FailureClassifier.Classify(Examples.For("dotnet.missing_symbol"));

        var line = Assert.Single(result.Evidence);
        Assert.StartsWith("/tmp/example/dotnet-missing/Invoice.cs(7,27): error CS0103", line, StringComparison.Ordinal);
        Assert.Equal("/tmp/example/dotnet-missing/Billing.csproj", result.Captured["project"]);
    }

    [Fact]
    public void Classify_LongJsonEventLine_QuotesTheWindowAroundTheMatch()
    {
        var result = FailureClassifier.Classify(Examples.For("vendor.overloaded"));

        Assert.Contains(result.Evidence, line => line.Contains("API Error: 529", StringComparison.Ordinal));
        Assert.All(result.Evidence, line => Assert.True(line.Length <= FailureClassifier.MaxEvidenceLength + 2, line));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   \n\t\r\n")]
    [InlineData("Build succeeded.\n    0 Warning(s)\n    0 Error(s)\n")]
    [InlineData("test result: ok. 12 passed; 0 failed; 0 ignored\n")]
    [InlineData("============================== 3 passed in 0.02s ===============================\n")]
    [InlineData("Tests:       2 passed, 2 total\n")]
    public void Classify_CleanOrEmptyOutput_IsNone(string? output)
    {
        var result = FailureClassifier.Classify(output);

        Assert.Same(FailureClassification.None, result);
        Assert.False(result.IsFailure);
        Assert.Empty(result.Evidence);
        Assert.Equal("", result.Hint);
    }

    [Fact]
    public void Classify_SameOutputTwice_GivesEqualResults()
    {
        var output = Examples.For("js.jest") + Examples.For("go.test");

        var first = FailureClassifier.Classify(output);
        var second = FailureClassifier.Classify(output);

        Assert.Equal(first.Key, second.Key);
        Assert.Equal(first.Hint, second.Hint);
        Assert.Equal(first.Evidence, second.Evidence);
        Assert.Equal(first.Captured, second.Captured);
    }

    [Fact]
    public void Classify_ColouredOutput_MatchesAndQuotesWithoutEscapes()
    {
        var coloured = "\u001b[96msrc/invoice.ts\u001b[0m(\u001b[93m7\u001b[0m,\u001b[93m9\u001b[0m): \u001b[91merror\u001b[0m\u001b[90m TS2322: \u001b[0mType 'string' is not assignable to type 'number'.\n";

        var result = FailureClassifier.Classify(coloured);

        Assert.Equal("ts.compile", result.Key);
        Assert.Equal("src/invoice.ts(7,9): error TS2322: Type 'string' is not assignable to type 'number'.", Assert.Single(result.Evidence));
    }

    [Fact]
    public void Classify_WindowsLineEndings_SameClassAndEvidence()
    {
        var output = Examples.For("rust.compile");

        var unix = FailureClassifier.Classify(output);
        var windows = FailureClassifier.Classify(output.Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.Equal(unix.Key, windows.Key);
        Assert.Equal(unix.Evidence, windows.Evidence);
    }

    [Fact]
    public void Classify_FailureAtTheEndOfSeveralMegabytes_IsFound()
    {
        var output = Noise(8 * 1024 * 1024) + Examples.For("go.compile");

        var result = FailureClassifier.Classify(output);

        Assert.Equal("go.compile", result.Key);
        Assert.Contains("./main.go:7:20", result.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_FailureOnlyBeforeTheLast64KiB_IsNotRead()
    {
        var output = Examples.For("git.merge_conflict") + Noise(FailureClassifier.MaxScannedCharacters * 2);

        Assert.Equal(FailureClassification.NoneKey, FailureClassifier.Classify(output).Key);
    }

    [Fact]
    public void Classify_OneHugeLineWithoutNewlines_Completes()
    {
        var output = new string('x', 5 * 1024 * 1024) + " Segmentation fault (core dumped)";

        Assert.Equal("system.segfault", FailureClassifier.Classify(output).Key);
    }

    [Fact]
    public void Classify_RandomBinary_DoesNotThrow()
    {
        var random = new Random(20261121);
        for (var i = 0; i < 12; i++)
        {
            var bytes = new byte[random.Next(1, 256 * 1024)];
            random.NextBytes(bytes);

            var result = FailureClassifier.Classify(Encoding.UTF8.GetString(bytes) + Encoding.Latin1.GetString(bytes));

            Assert.NotNull(result.Key);
        }
    }

    [Theory]
    [InlineData('(')]
    [InlineData('\'')]
    [InlineData('"')]
    [InlineData(':')]
    [InlineData(' ')]
    [InlineData('\\')]
    public void Classify_PathologicalRepetition_DoesNotThrow(char repeated)
    {
        // Long runs of the characters the patterns' classes and separators are built around: a backtracking
        // engine with nested quantifiers would take exponential time on some of these.
        var line = "error[E0425]: " + new string(repeated, 60_000) + "File \"" + new string(repeated, 3_000) + "\", line ";

        var result = FailureClassifier.Classify(line + "\n" + line);

        Assert.Equal("rust.compile", result.Key);
    }

    /// <summary>Successful build lines, repeated to about <paramref name="size"/> characters.</summary>
    private static string Noise(int size)
    {
        const string Line = "  Compiling dependency v1.0.0 (registry) ... ok; 0 warnings, 0 errors\n";
        var builder = new StringBuilder(size + Line.Length);
        while (builder.Length < size)
        {
            builder.Append(Line);
        }

        return builder.ToString();
    }
}
