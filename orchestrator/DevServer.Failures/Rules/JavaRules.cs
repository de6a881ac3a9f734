using System.Text.RegularExpressions;
using static DevServer.Failures.FailureRule;

namespace DevServer.Failures;

/// <summary>Java: javac (directly or through Maven), Maven Surefire, Gradle test failures, Maven and Gradle build failures.</summary>
internal static partial class JavaRules
{
    public static readonly FailureRule Compile = Create(
        "java.compile",
        FailureSeverity.Recoverable,
        "javac errors, as javac prints them (File.java:N: error: …) or as Maven does ([ERROR] /path/File.java:[N,C] …).",
        CompileMatch(),
        c => $"javac in {c.Location()}: {c["message"]}{c.Optional("symbol", " (", ")")}. Fix this error first; later ones are often caused by it.",
        locators: [Near(CompileSymbol(), after: 4)]);

    public static readonly FailureRule Surefire = Create(
        "java.surefire",
        FailureSeverity.Recoverable,
        "Maven Surefire reported failing tests (\"<<< FAILURE!\" / \"<<< ERROR!\" per test).",
        SurefireMatch(),
        c => $"Surefire: {c["class"]}.{c["method"]} {(c["outcome"] == "ERROR" ? "errored" : "failed")}{c.Optional("line", " at line ")}{c.Optional("message", ": ")}. Read the test's assertion before changing the code.",
        locators:
        [
            Near(SurefireMessage(), after: 2),
            Near(SurefireLine(), after: 80),
        ]);

    public static readonly FailureRule GradleTest = Create(
        "java.gradle_test",
        FailureSeverity.Recoverable,
        "Gradle's test task reported failing tests (\"Class > method FAILED\" per test).",
        GradleTestMatch(),
        c => $"Gradle test {c["class"]} > {c["method"]} failed{c.Optional("message", ": ")}{c.Optional("file", " at ")}{c.Optional("line", ":")}. Read the test's assertion before changing the code.",
        locators: [Near(GradleTestCause(), after: 1)]);

    public static readonly FailureRule Gradle = Create(
        "java.gradle",
        FailureSeverity.Recoverable,
        "A Gradle build failed (FAILURE: Build failed with an exception. / * What went wrong:).",
        GradleMatch(),
        c => $"Gradle build failed: {c["message"]}{c.Optional("detail", " — ")}",
        requires: GradleRequires(),
        locators: [Near(GradleMessage(), after: 1), Near(GradleDetail(), after: 3)]);

    public static readonly FailureRule Maven = Create(
        "java.maven",
        FailureSeverity.Recoverable,
        "Any other Maven build failure: a goal that failed, or a plugin or dependency that could not be resolved.",
        MavenMatch(),
        c => $"Maven failed{c.Optional("goal", " at ")}{c.Optional("project", " in project ")}: {string.Join(": ", new[] { c["message"], c["detail"].TrimStart(':', ' ') }.Where(part => part.Length > 0))}");

    [GeneratedRegex("""^(?:(?<file>[^\s:\[][^:]*\.java):(?<line>\d+): error: |\[ERROR\] (?<file>\S+\.java):\[(?<line>\d+),(?<column>\d+)\] )(?<message>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex CompileMatch();

    [GeneratedRegex("""^\s*(?:\[ERROR\] +)?symbol: +(?<symbol>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex CompileSymbol();

    [GeneratedRegex("""^\[ERROR\] (?:(?<method>\w+)\((?<class>[\w.$]+)\)|(?<class>[\w.$]+)\.(?<method>\w+))\s+Time elapsed: .*<<< (?<outcome>FAILURE|ERROR)!$""", Options, TimeoutMilliseconds)]
    private static partial Regex SurefireMatch();

    [GeneratedRegex("""^(?<message>[\w.$]+(?:Error|Exception)(?::.*)?)$""", Options, TimeoutMilliseconds)]
    private static partial Regex SurefireMessage();

    [GeneratedRegex("""^\[ERROR\]   [\w.$]+\.\w+:(?<line>\d+) """, Options, TimeoutMilliseconds)]
    private static partial Regex SurefireLine();

    [GeneratedRegex("""^(?<class>[\w.$]+) > (?<method>\S.*?) FAILED$""", Options, TimeoutMilliseconds)]
    private static partial Regex GradleTestMatch();

    [GeneratedRegex("""^\s+(?<message>[\w.$]+(?:Error|Exception|Failure))(?: at (?<file>[\w$]+\.java):(?<line>\d+))?""", Options, TimeoutMilliseconds)]
    private static partial Regex GradleTestCause();

    [GeneratedRegex("""^\* What went wrong:$""", Options, TimeoutMilliseconds)]
    private static partial Regex GradleMatch();

    [GeneratedRegex("""^FAILURE: Build failed|^BUILD FAILED""", Options, TimeoutMilliseconds)]
    private static partial Regex GradleRequires();

    [GeneratedRegex("""^(?<message>[A-Z].+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex GradleMessage();

    [GeneratedRegex("""^> (?<detail>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex GradleDetail();

    [GeneratedRegex("""^\[ERROR\] (?:Failed to execute goal (?<goal>[\w.:-]+)(?: \([^)]*\))? on project (?<project>[\w.-]+): |(?<message>Plugin (?<goal>[\w.:-]+) or one of its dependencies could not be resolved|Failed to execute goal on project (?<project>[\w.-]+): Could not resolve dependencies))(?<detail>.*)$""", Options, TimeoutMilliseconds)]
    private static partial Regex MavenMatch();
}
