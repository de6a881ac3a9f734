using System.Text.RegularExpressions;
using static DevServer.Failures.FailureRule;

namespace DevServer.Failures;

/// <summary>TypeScript, Node, npm, Jest, Vitest, node --test, ESLint.</summary>
internal static partial class NodeRules
{
    /// <summary>tsc's plain form <c>file(line,col): error TSnnnn: …</c> and its pretty form <c>file:line:col - error TSnnnn: …</c>.</summary>
    private const string TscLocation = """^(?:(?<file>[^\s(][^(]*)\((?<line>\d+),(?<column>\d+)\):|(?<file>[^\s:][^:]*):(?<line>\d+):(?<column>\d+) -) error """;

    /// <summary>A stack frame in the user's code (file:// or an absolute path; node: internals are skipped).</summary>
    private const string UserFrame = """^\s+at (?:.* \()?(?:file://)?(?<file>/[^():]+):(?<line>\d+):(?<column>\d+)\)?$""";

    public static readonly FailureRule Install = Create(
        "npm.install",
        FailureSeverity.Recoverable,
        "npm could not install: a package or version that does not exist (E404, ETARGET), a dependency conflict (ERESOLVE), or a registry error.",
        InstallMatch(),
        c => $"npm install failed with {c["code"]}{c.Optional("message", ": ")} — fix the package name or version in package.json (check that it exists), or resolve the conflict.",
        locators: [Near(InstallMessage(), after: 4)]);

    public static readonly FailureRule TypeScriptModule = Create(
        "ts.cannot_find_module",
        FailureSeverity.Recoverable,
        "tsc TS2307/TS2792: an import whose module cannot be found.",
        TypeScriptModuleMatch(),
        c => $"{c["code"]} in {c.Location()}: cannot find module '{c["module"]}' — fix the import path (relative paths need the right extension under NodeNext) or add the package to package.json.");

    public static readonly FailureRule TypeScript = Create(
        "ts.compile",
        FailureSeverity.Recoverable,
        "tsc diagnostics: file(line,col): error TSnnnn.",
        TypeScriptMatch(),
        c => $"{c["code"]} in {c.Location()}: {c["message"]} Fix this diagnostic; do not silence it with any, casts or @ts-ignore.");

    public static readonly FailureRule ModuleNotFound = Create(
        "node.module_not_found",
        FailureSeverity.Recoverable,
        "Node could not resolve a require/import (MODULE_NOT_FOUND, ERR_MODULE_NOT_FOUND).",
        ModuleNotFoundMatch(),
        c => $"Node cannot find module '{c["module"]}'{c.Optional("from", " (required from ", ")")} — fix the path, or add the package to package.json and install it.",
        locators: [Near(ModuleNotFoundFrom(), after: 3)]);

    public static readonly FailureRule Jest = Create(
        "js.jest",
        FailureSeverity.Recoverable,
        "Jest reported failing tests (● suite › test, Tests: N failed).",
        JestMatch(),
        c => $"Jest test failed: {c["test"]}{c.At(" at ")}{c.Optional("message", ": ")}. Read the test's expectation before changing the code.",
        skip: JestSkip(),
        requires: JestRequires(),
        locators:
        [
            Near(JestFile(), after: 40),
            Near(JestMessage(), after: 6),
        ]);

    public static readonly FailureRule Vitest = Create(
        "js.vitest",
        FailureSeverity.Recoverable,
        "Vitest reported failing tests ( FAIL  file > suite > test, Test Files N failed).",
        VitestMatch(),
        c => $"Vitest test failed: {c["test"]}{c.At(" at ")}{c.Optional("message", ": ")}. Read the test's expectation before changing the code.",
        requires: VitestRequires(),
        locators:
        [
            Near(VitestFile(), after: 20),
            Near(VitestMessage(), after: 3),
        ]);

    public static readonly FailureRule NodeTest = Create(
        "js.node_test",
        FailureSeverity.Recoverable,
        "node --test (spec or TAP reporter) reported failing tests.",
        NodeTestMatch(),
        c => $"node --test: '{c["test"]}' failed{c.At(" at ")}{c.Optional("message", ": ")}. Read the test's assertion before changing the code.",
        requires: NodeTestRequires(),
        locators:
        [
            Near(NodeTestFile(), after: 10),
            Near(NodeTestMessage(), after: 6),
        ]);

    public static readonly FailureRule ESLint = Create(
        "js.eslint",
        FailureSeverity.Recoverable,
        "ESLint (stylish format) reported errors: line:col error message rule-id under the file's path.",
        ESLintMatch(),
        c => $"ESLint {c["rule"]} in {c.Location()}: {c["message"]}. Fix the code; do not disable the rule.",
        requires: ESLintRequires(),
        locators: [Near(ESLintFile(), before: 60)]);

    public static readonly FailureRule Uncaught = Create(
        "node.uncaught",
        FailureSeverity.Recoverable,
        "Node crashed on an uncaught exception (the error and stack, closed by Node's \"Node.js vNN\" line).",
        UncaughtMatch(),
        c => $"Node crashed: {c["type"]}: {c["message"]}{c.At(" at ")}. Fix the code at that frame.",
        requires: UncaughtRequires(),
        locators: [Near(UncaughtFile(), before: 6), Near(UserFramePattern(), after: 12)]);

    [GeneratedRegex("""^npm (?:ERR!|error) code (?<code>E404|E403|ETARGET|ERESOLVE|EINTEGRITY|ENOVERSIONS|EBADENGINE|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EUNSUPPORTEDPROTOCOL)\s*$""", Options, TimeoutMilliseconds)]
    private static partial Regex InstallMatch();

    [GeneratedRegex("""^npm (?:ERR!|error) (?:notarget |404 +|ERESOLVE )?(?<message>(?:No matching version|Not Found|Could not resolve|unable to resolve|'|request to|network).+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex InstallMessage();

    [GeneratedRegex(TscLocation + """(?<code>TS2307|TS2792): (?<message>Cannot find module '(?<module>[^']+)'.*)$""", Options, TimeoutMilliseconds)]
    private static partial Regex TypeScriptModuleMatch();

    [GeneratedRegex(TscLocation + """(?<code>TS\d+): (?<message>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex TypeScriptMatch();

    [GeneratedRegex("""^Error(?: \[ERR_MODULE_NOT_FOUND\])?: Cannot find (?:module|package) '(?<module>[^']+)'(?: imported from (?<from>\S+))?""", Options, TimeoutMilliseconds)]
    private static partial Regex ModuleNotFoundMatch();

    [GeneratedRegex("""^- (?<from>\S+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex ModuleNotFoundFrom();

    [GeneratedRegex("""^  ● (?<test>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex JestMatch();

    [GeneratedRegex("""^  ● Console$""", Options, TimeoutMilliseconds)]
    private static partial Regex JestSkip();

    [GeneratedRegex("""^Tests: .*\d+ failed""", Options, TimeoutMilliseconds)]
    private static partial Regex JestRequires();

    [GeneratedRegex("""^\s+at .*\((?<file>[^():]+):(?<line>\d+):(?<column>\d+)\)$""", Options, TimeoutMilliseconds)]
    private static partial Regex JestFile();

    [GeneratedRegex("""^    (?<message>(?:Expected|Received|expect\(|\w*Error:).+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex JestMessage();

    [GeneratedRegex("""^ FAIL  (?<test>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex VitestMatch();

    [GeneratedRegex("""^ +(?:Test Files|Tests) +\d+ failed""", Options, TimeoutMilliseconds)]
    private static partial Regex VitestRequires();

    [GeneratedRegex("""^ ❯ (?<file>[^:\s]+):(?<line>\d+):(?<column>\d+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex VitestFile();

    [GeneratedRegex("""^(?<message>\w*Error: .+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex VitestMessage();

    [GeneratedRegex("""^\s*(?:✖ (?<test>.+) \([\d.]+m?s\)|not ok \d+ - (?<test>.+))$""", Options, TimeoutMilliseconds)]
    private static partial Regex NodeTestMatch();

    [GeneratedRegex("""^(?:ℹ|#) fail [1-9]""", Options, TimeoutMilliseconds)]
    private static partial Regex NodeTestRequires();

    [GeneratedRegex("""location: '(?<file>[^':]+):(?<line>\d+):\d+'|^\s+at .*\((?:file://)?(?<file>/[^():]+):(?<line>\d+):(?<column>\d+)\)$""", Options, TimeoutMilliseconds)]
    private static partial Regex NodeTestFile();

    [GeneratedRegex("""^\s+(?:AssertionError \[\w+\]: |error: \|-$|error: ')(?<message>.*)$""", Options, TimeoutMilliseconds)]
    private static partial Regex NodeTestMessage();

    [GeneratedRegex("""^\s+(?<line>\d+):(?<column>\d+)\s+error\s+(?<message>\S.*\S)\s{2,}(?<rule>[\w@/-]+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex ESLintMatch();

    [GeneratedRegex("""^✖ \d+ problems? \(\d+ errors?""", Options, TimeoutMilliseconds)]
    private static partial Regex ESLintRequires();

    [GeneratedRegex("""^(?<file>/\S+|[\w.][\w./-]*\.(?:[cm]?[jt]sx?|vue|svelte))$""", Options, TimeoutMilliseconds)]
    private static partial Regex ESLintFile();

    [GeneratedRegex("""^(?<type>(?:[A-Z]\w*)?Error|[A-Z]\w*Exception)(?: \[(?<code>\w+)\])?: (?<message>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex UncaughtMatch();

    [GeneratedRegex("""^Node\.js v\d+""", Options, TimeoutMilliseconds)]
    private static partial Regex UncaughtRequires();

    [GeneratedRegex("""^(?<file>/[^:\s]+):(?<line>\d+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex UncaughtFile();

    [GeneratedRegex(UserFrame, Options, TimeoutMilliseconds)]
    private static partial Regex UserFramePattern();
}
