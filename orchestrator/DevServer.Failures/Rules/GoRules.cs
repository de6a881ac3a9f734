using System.Text.RegularExpressions;
using static DevServer.Failures.FailureRule;

namespace DevServer.Failures;

/// <summary>Go: build errors and go test failures.</summary>
internal static partial class GoRules
{
    public static readonly FailureRule Compile = Create(
        "go.compile",
        FailureSeverity.Recoverable,
        "go build/vet/test compile errors under a \"# package\" header: ./file.go:line:col: message.",
        CompileMatch(),
        c => $"Go compile error in {c.Location()}: {c["message"]}{c.Optional("package", " (package ", ")")}. Fix this error first.",
        requires: CompileRequires(),
        locators: [Near(CompilePackage(), before: 20)]);

    public static readonly FailureRule Test = Create(
        "go.test",
        FailureSeverity.Recoverable,
        "go test reported failing tests (--- FAIL: TestName).",
        TestMatch(),
        c => $"Go test {c["test"]} failed{c.At(" at ")}{c.Optional("message", ": ")}{c.Optional("package", " (package ", ")")}. Read the test's expectation before changing the code.",
        locators:
        [
            Near(TestFile(), after: 5),
            Near(TestPackage(), after: 50),
        ]);

    [GeneratedRegex("""^(?<file>[\w./-]+\.go):(?<line>\d+):(?<column>\d+): (?<message>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex CompileMatch();

    [GeneratedRegex("""^# [\w.-]+(?:/[\w.-]+)*(?: \[[\w./-]+\])?$""", Options, TimeoutMilliseconds)]
    private static partial Regex CompileRequires();

    [GeneratedRegex("""^# (?<package>[\w.-]+(?:/[\w.-]+)*)""", Options, TimeoutMilliseconds)]
    private static partial Regex CompilePackage();

    [GeneratedRegex("""^\s*--- FAIL: (?<test>\S+) \([\d.]+s\)$""", Options, TimeoutMilliseconds)]
    private static partial Regex TestMatch();

    [GeneratedRegex("""^\s+(?<file>[\w./-]+_test\.go):(?<line>\d+): (?<message>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex TestFile();

    [GeneratedRegex("""^FAIL\t(?<package>\S+)""", Options, TimeoutMilliseconds)]
    private static partial Regex TestPackage();
}
