using System.Text.RegularExpressions;
using static DevServer.Failures.FailureRule;

namespace DevServer.Failures;

/// <summary>C#/.NET: NuGet restore, the C# compiler (MSBuild's diagnostic format), dotnet test (VSTest).</summary>
internal static partial class DotnetRules
{
    /// <summary>MSBuild's <c>file(line,col): error CSnnnn: message [project]</c>.</summary>
    private const string CscLocation = """^\s*(?<file>[^\s(][^(]*)\((?<line>\d+),(?<column>\d+)\): error """;

    private const string ProjectSuffix = """(?: \[(?<project>[^\[\]]+)\])?$""";

    public static readonly FailureRule Restore = Create(
        "dotnet.restore",
        FailureSeverity.Recoverable,
        "NuGet restore failed: NU1101 (no such package), NU1102 (no such version), NU1103, NU1301 (source unreachable), … .",
        RestoreMatch(),
        c => $"NuGet restore failed, {c["code"]}: {c["message"]}{c.Optional("project", " (", ")")} — fix the PackageReference's id or version to one the feed has.");

    public static readonly FailureRule MissingSymbol = Create(
        "dotnet.missing_symbol",
        FailureSeverity.Recoverable,
        "C# name resolution errors: CS0246 (type or namespace not found), CS0103 (name does not exist), CS0234, CS0117, CS1061 (no such member).",
        MissingSymbolMatch(),
        c => $"{c["code"]} in {c.Location()}: {c["message"]} — add the missing using directive, package or project reference, or declare the symbol (check its spelling).");

    public static readonly FailureRule Compile = Create(
        "dotnet.compile",
        FailureSeverity.Recoverable,
        "Any other C# compiler error (CSnnnn) in MSBuild's format.",
        CompileMatch(),
        c => $"{c["code"]} in {c.Location()}: {c["message"]} Fix this diagnostic before rebuilding.");

    public static readonly FailureRule Test = Create(
        "dotnet.test",
        FailureSeverity.Recoverable,
        "dotnet test (VSTest) reported failing tests: \"Failed Namespace.Class.Test [duration]\".",
        TestMatch(),
        c => $"Test {c["test"]} failed{c.At()}{c.Optional("message", ": ")}. Read the assertion before changing the code.",
        locators:
        [
            Near(TestMessage(), after: 4),
            Near(TestFile(), after: 12),
        ]);

    [GeneratedRegex("""^\s*(?:(?<project>\S[^:]*) : )?error (?<code>NU\d{4}): (?<message>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex RestoreMatch();

    [GeneratedRegex(CscLocation + """(?<code>CS0246|CS0103|CS0234|CS0117|CS1061): (?<message>.+?)""" + ProjectSuffix, Options, TimeoutMilliseconds)]
    private static partial Regex MissingSymbolMatch();

    [GeneratedRegex(CscLocation + """(?<code>CS\d{4}): (?<message>.+?)""" + ProjectSuffix, Options, TimeoutMilliseconds)]
    private static partial Regex CompileMatch();

    [GeneratedRegex("""^\s+Failed (?<test>\S.*) \[[^\]]+\]$""", Options, TimeoutMilliseconds)]
    private static partial Regex TestMatch();

    [GeneratedRegex("""^\s+(?<message>Assert\.\w+\(\) Failure.*|\S+Exception : .+|Expected: .+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex TestMessage();

    [GeneratedRegex(""" in (?<file>\S+\.cs):line (?<line>\d+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex TestFile();
}
