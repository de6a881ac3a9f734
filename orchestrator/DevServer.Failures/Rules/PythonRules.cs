using System.Text.RegularExpressions;
using static DevServer.Failures.FailureRule;

namespace DevServer.Failures;

/// <summary>Python: exceptions by kind (from a traceback or pytest's <c>E</c> lines), pytest, unittest.</summary>
internal static partial class PythonRules
{
    /// <summary>The exception rules apply only to Python output: a traceback frame, pytest's E lines or its header.</summary>
    private const string PythonOutput = """^\s*(?:E +)?File "[^"]+", line \d+|^E {2,}\S|^Traceback \(most recent call last\):""";

    /// <summary>The innermost frame before the exception line (or pytest's <c>path.py:N:</c> location).</summary>
    private static readonly Locator Frame = Near(FramePattern(), before: 40);

    public static readonly FailureRule Syntax = Create(
        "python.syntax",
        FailureSeverity.Recoverable,
        "SyntaxError, IndentationError or TabError, with the file and line Python points at.",
        SyntaxMatch(),
        c => $"{c["type"]}: {c["message"]}{c.At()}. Fix that line (and the lines just before it); do not rewrite the file.",
        requires: PythonOutputPattern(),
        locators: [Near(SyntaxFile(), before: 8)]);

    public static readonly FailureRule Import = Create(
        "python.import",
        FailureSeverity.Recoverable,
        "ModuleNotFoundError or ImportError: a module that is not installed, misspelt, or a name the module does not export.",
        ImportMatch(),
        c => $"{c["type"]}: {c["message"]} — add the dependency{c.Optional("module", " '", "'")} to the project's requirements, or fix the import{c.At()}.",
        requires: PythonOutputPattern(),
        locators: [Frame]);

    public static readonly FailureRule Name = Create(
        "python.name",
        FailureSeverity.Recoverable,
        "NameError: a name used before it is defined or imported.",
        NameMatch(),
        c => $"NameError: {c["message"]}{c.At()} — import or define '{c.First("the name", "name")}' (or fix the typo) where it is used.",
        requires: PythonOutputPattern(),
        locators: [Frame]);

    public static readonly FailureRule Attribute = Create(
        "python.attribute",
        FailureSeverity.Recoverable,
        "AttributeError: an attribute or method that the object or module does not have.",
        AttributeMatch(),
        c => $"AttributeError: {c["message"]}{c.At()} — read the definition of the object or module and use a member it has{c.Optional("attribute", " instead of '", "'")}.",
        requires: PythonOutputPattern(),
        locators: [Frame]);

    public static readonly FailureRule Type = Create(
        "python.type",
        FailureSeverity.Recoverable,
        "TypeError in a Python traceback: wrong argument count or types, or an operation on the wrong type.",
        TypeMatch(),
        c => $"TypeError: {c["message"]}{c.At()} — check the types and the call's signature at that line.",
        requires: PythonOutputPattern(),
        locators: [Frame]);

    public static readonly FailureRule Pytest = Create(
        "python.pytest",
        FailureSeverity.Recoverable,
        "pytest reported failed or erroring tests (the short summary's FAILED/ERROR lines).",
        PytestMatch(),
        c => $"pytest: {c["test"]} {(c["outcome"] == "ERROR" ? "errored" : "failed")}{c.Optional("message", ": ")}. Read that test first and fix the code under test; do not change the test unless the task says so.");

    public static readonly FailureRule Unittest = Create(
        "python.unittest",
        FailureSeverity.Recoverable,
        "unittest reported a failing or erroring test (FAIL: / ERROR: test (module.Class.test)).",
        UnittestMatch(),
        c => $"unittest: {c["case"]} {(c["outcome"] == "ERROR" ? "errored" : "failed")}{c.At()}{c.Optional("message", ": ")}. Read the test's expectation and fix the code under test.",
        requires: UnittestRequires(),
        locators:
        [
            Near(UnittestFile(), after: 6),
            Near(UnittestMessage(), after: 20),
        ]);

    public static readonly FailureRule Traceback = Create(
        "python.traceback",
        FailureSeverity.Recoverable,
        "Any other uncaught Python exception with a traceback (ValueError, KeyError, RuntimeError, …).",
        TracebackMatch(),
        c => $"Uncaught {c["type"]}{c.Optional("message", ": ")}{c.At(" raised in ")}. Fix the cause at that frame.",
        requires: TracebackRequires(),
        locators: [Frame]);

    [GeneratedRegex(PythonOutput, Options, TimeoutMilliseconds)]
    private static partial Regex PythonOutputPattern();

    [GeneratedRegex("""^\s*(?:E +)?File "(?<file>[^"]+)", line (?<line>\d+)|^(?<file>[\w./-]+\.py):(?<line>\d+): """, Options, TimeoutMilliseconds)]
    private static partial Regex FramePattern();

    [GeneratedRegex("""^(?:E +)?(?<type>SyntaxError|IndentationError|TabError): (?<message>.+)""", Options, TimeoutMilliseconds)]
    private static partial Regex SyntaxMatch();

    [GeneratedRegex("""^\s*(?:E +)?File "(?<file>[^"]+)", line (?<line>\d+)""", Options, TimeoutMilliseconds)]
    private static partial Regex SyntaxFile();

    [GeneratedRegex("""^(?:E +)?(?<type>ModuleNotFoundError|ImportError): (?<message>(?:No module named '?(?<module>[\w.]+)'?|cannot import name '(?<name>\w+)' from '(?<module>[\w.]+)')?.*)""", Options, TimeoutMilliseconds)]
    private static partial Regex ImportMatch();

    [GeneratedRegex("""^(?:E +)?NameError: (?<message>(?:name '(?<name>\w+)' is not defined)?.*)""", Options, TimeoutMilliseconds)]
    private static partial Regex NameMatch();

    [GeneratedRegex("""^(?:E +)?AttributeError: (?<message>(?:.*has no attribute '(?<attribute>\w+)')?.*)""", Options, TimeoutMilliseconds)]
    private static partial Regex AttributeMatch();

    [GeneratedRegex("""^(?:E +)?TypeError: (?<message>.+)""", Options, TimeoutMilliseconds)]
    private static partial Regex TypeMatch();

    [GeneratedRegex("""^(?<outcome>FAILED|ERROR) (?<test>[^\s:]+\.py(?:::\S+)?)(?: - (?<message>.+))?$""", Options, TimeoutMilliseconds)]
    private static partial Regex PytestMatch();

    [GeneratedRegex("""^(?<outcome>FAIL|ERROR): (?<test>\w+) \((?<case>[\w.]+)\)""", Options, TimeoutMilliseconds)]
    private static partial Regex UnittestMatch();

    [GeneratedRegex("""^FAILED \((?:failures|errors)=\d+""", Options, TimeoutMilliseconds)]
    private static partial Regex UnittestRequires();

    [GeneratedRegex("""^\s*File "(?<file>[^"]+)", line (?<line>\d+)""", Options, TimeoutMilliseconds)]
    private static partial Regex UnittestFile();

    [GeneratedRegex("""^(?<message>\w+Error: .+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex UnittestMessage();

    [GeneratedRegex("""^(?<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Expired|Iteration)): ?(?<message>.*)$""", Options, TimeoutMilliseconds)]
    private static partial Regex TracebackMatch();

    [GeneratedRegex("""^Traceback \(most recent call last\):""", Options, TimeoutMilliseconds)]
    private static partial Regex TracebackRequires();
}
