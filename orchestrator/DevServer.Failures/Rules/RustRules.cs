using System.Text.RegularExpressions;
using static DevServer.Failures.FailureRule;

namespace DevServer.Failures;

/// <summary>Rust: clippy lints, rustc errors, cargo test failures, panics.</summary>
internal static partial class RustRules
{
    private static readonly Locator Arrow = Near(ArrowPattern(), after: 3);

    public static readonly FailureRule Clippy = Create(
        "rust.clippy",
        FailureSeverity.Recoverable,
        "cargo clippy denied a lint (error: … with a clippy:: lint named in the notes).",
        ClippyMatch(),
        c => $"Clippy {c.First("lint", "lint")} in {c.Location()}: {c["message"]}. Change the code as clippy suggests; do not add #[allow].",
        skip: ClippySkip(),
        requires: ClippyRequires(),
        locators: [Arrow, Near(ClippyLint(), after: 12)]);

    public static readonly FailureRule Compile = Create(
        "rust.compile",
        FailureSeverity.Recoverable,
        "rustc errors with a code: error[Ennnn]: … --> file:line:col.",
        CompileMatch(),
        c => $"rustc {c["code"]} in {c.Location()}: {c["message"]}. Fix this error first (`rustc --explain {c["code"]}` describes it).",
        locators: [Arrow]);

    public static readonly FailureRule Test = Create(
        "rust.test",
        FailureSeverity.Recoverable,
        "cargo test reported failing tests (test path ... FAILED).",
        TestMatch(),
        c => $"Rust test {c["test"]} failed{c.At(" at ")}{c.Optional("message", ": ")}. Read the assertion before changing the code.",
        locators:
        [
            Near(TestFile(), after: 200),
            Near(TestMessage(), after: 200),
        ]);

    public static readonly FailureRule Panic = Create(
        "rust.panic",
        FailureSeverity.Recoverable,
        "A Rust program panicked (thread '…' panicked at file:line:col).",
        PanicMatch(),
        c => $"Panic in thread '{c["thread"]}' at {c.Location()}{c.Optional("message", ": ")}. Handle that case instead of unwrapping/expecting.",
        locators: [Near(PanicMessage(), after: 1)]);

    [GeneratedRegex("""^\s*--> (?<file>[^:\s]+):(?<line>\d+):(?<column>\d+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex ArrowPattern();

    [GeneratedRegex("""^error: (?<message>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex ClippyMatch();

    [GeneratedRegex("""^error: (?:could not compile|aborting|process didn't exit|test failed)""", Options, TimeoutMilliseconds)]
    private static partial Regex ClippySkip();

    [GeneratedRegex("""clippy::|rust-clippy/""", Options, TimeoutMilliseconds)]
    private static partial Regex ClippyRequires();

    [GeneratedRegex("""rust-clippy/\S*#(?<lint>\w+)""", Options, TimeoutMilliseconds)]
    private static partial Regex ClippyLint();

    [GeneratedRegex("""^error\[(?<code>E\d{4})\]: (?<message>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex CompileMatch();

    [GeneratedRegex("""^test (?<test>\S+) \.\.\. FAILED$""", Options, TimeoutMilliseconds)]
    private static partial Regex TestMatch();

    [GeneratedRegex("""panicked at (?<file>[^:\s']+):(?<line>\d+):(?<column>\d+):?$""", Options, TimeoutMilliseconds)]
    private static partial Regex TestFile();

    [GeneratedRegex("""^(?<message>assertion .+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex TestMessage();

    [GeneratedRegex("""^thread '(?<thread>[^']+)'(?: \(\d+\))? panicked at (?<file>[^:\s']+):(?<line>\d+):(?<column>\d+):?$""", Options, TimeoutMilliseconds)]
    private static partial Regex PanicMatch();

    [GeneratedRegex("""^(?<message>\S.*)$""", Options, TimeoutMilliseconds)]
    private static partial Regex PanicMessage();
}
