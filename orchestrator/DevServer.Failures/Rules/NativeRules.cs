using System.Text.RegularExpressions;
using static DevServer.Failures.FailureRule;

namespace DevServer.Failures;

/// <summary>C and C++: gcc/clang errors, the linker, sanitizers, CMake, CTest, make.</summary>
internal static partial class NativeRules
{
    public static readonly FailureRule AddressSanitizer = Create(
        "c.asan",
        FailureSeverity.Recoverable,
        "An AddressSanitizer (or Leak/Thread/Memory sanitizer) report: ==pid==ERROR: AddressSanitizer: heap-buffer-overflow … SUMMARY: … file:line in function.",
        AddressSanitizerMatch(),
        c => $"{c["sanitizer"]}: {c["kind"]}{c.At(" at ")}{c.Optional("function", " in ", "()")}. Fix the memory access there (bounds, lifetime, ownership); do not turn the sanitizer off.",
        locators:
        [
            Near(AddressSanitizerFile(), after: 200),
            Near(AddressSanitizerFunction(), after: 8),
        ]);

    public static readonly FailureRule UndefinedBehaviorSanitizer = Create(
        "c.ubsan",
        FailureSeverity.Recoverable,
        "An UndefinedBehaviorSanitizer report: file:line:col: runtime error: ….",
        UndefinedBehaviorSanitizerMatch(),
        c => $"Undefined behaviour at {c.Location()}: {c["message"]}. Fix the operation (types, bounds, overflow checks).");

    public static readonly FailureRule Compile = Create(
        "c.compile",
        FailureSeverity.Recoverable,
        "gcc/clang errors: file.c:line:col: error: … (also fatal error: for a missing header).",
        CompileMatch(),
        c => $"Compiler error in {c.Location()}: {c["message"]}. Fix this error first; later ones are often caused by it.");

    public static readonly FailureRule Link = Create(
        "c.link",
        FailureSeverity.Recoverable,
        "The linker failed: undefined reference to a symbol, or a library it cannot find.",
        LinkMatch(),
        c => c.Has("library")
            ? $"The linker cannot find library -l{c["library"]}: install it or fix the link flags."
            : $"Undefined reference to '{c["symbol"]}'{c.Optional("function", " from ", "()")} — define it, or add the source file or library that defines it to the build.",
        locators: [Near(LinkFunction(), before: 2)]);

    public static readonly FailureRule CMakeConfigure = Create(
        "cmake.configure",
        FailureSeverity.Recoverable,
        "CMake failed to configure: CMake Error at CMakeLists.txt:N (command): … .",
        CMakeConfigureMatch(),
        c => $"CMake configure failed{c.At()}{c.Optional("command", " (", ")")}{c.Optional("package", ": package '", "' not found")}{c.Optional("message", ": ")}. Fix CMakeLists.txt or install what it looks for.",
        locators: [Near(CMakeConfigurePackage(), after: 4)]);

    public static readonly FailureRule CTest = Create(
        "ctest.failure",
        FailureSeverity.Recoverable,
        "CTest reported failing tests (N - name (Failed), ***Failed, ***Exception).",
        CTestMatch(),
        c => $"CTest: test '{c["test"]}' {c["outcome"].ToLowerInvariant()}{c.Optional("message", ": ")}. Run it alone to see its output, then fix the code under test.",
        requires: CTestRequires(),
        locators: [Near(CTestMessage(), after: 1)]);

    public static readonly FailureRule Make = Create(
        "make.failed",
        FailureSeverity.Recoverable,
        "make stopped: a recipe failed (*** [Makefile:N: target] Error N) or a target has no rule; the cause is in the lines before it.",
        MakeMatch(),
        c => c.Has("message")
            ? $"make: {c["message"]} — add the rule or fix the target's name."
            : $"make target '{c["target"]}'{c.Optional("makefile", " (", "")}{c.Optional("line", ":", "")}{(c.Has("makefile") ? ")" : "")} failed: {c["result"]}. The failing command's own output is just above this line.");

    [GeneratedRegex("""==\d+==ERROR: (?<sanitizer>AddressSanitizer|LeakSanitizer|ThreadSanitizer|MemorySanitizer): (?<kind>[\w-]+)""", Options, TimeoutMilliseconds)]
    private static partial Regex AddressSanitizerMatch();

    [GeneratedRegex("""^SUMMARY: \w+Sanitizer: \S+ (?<file>[^\s:]+):(?<line>\d+)(?::(?<column>\d+))? in (?<function>\S+)""", Options, TimeoutMilliseconds)]
    private static partial Regex AddressSanitizerFile();

    [GeneratedRegex("""^\s+#\d+ 0x[0-9a-f]+ in (?<function>\S+) (?<file>/[^\s:]+):(?<line>\d+)""", Options, TimeoutMilliseconds)]
    private static partial Regex AddressSanitizerFunction();

    [GeneratedRegex("""^(?<file>[^\s:][^:]*):(?<line>\d+):(?<column>\d+): runtime error: (?<message>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex UndefinedBehaviorSanitizerMatch();

    [GeneratedRegex("""^(?<file>[^\s:][^:]*\.(?:c|cc|cpp|cxx|c\+\+|h|hh|hpp|hxx|m|mm)):(?<line>\d+):(?<column>\d+): (?:fatal )?error: (?<message>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex CompileMatch();

    [GeneratedRegex("""undefined reference to [`'‘](?<symbol>[^'’`]+)['’]|^(?:/usr/bin/)?ld(?:\.\w+)?: cannot find -l(?<library>\S+)|^Undefined symbols for architecture""", Options, TimeoutMilliseconds)]
    private static partial Regex LinkMatch();

    [GeneratedRegex("""in function [`'‘](?<function>[^'’`]+)['’]:$""", Options, TimeoutMilliseconds)]
    private static partial Regex LinkFunction();

    [GeneratedRegex("""^CMake Error at (?<file>[^:\s]+):(?<line>\d+) \((?<command>\w+)\):$|^CMake Error: (?<message>.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex CMakeConfigureMatch();

    [GeneratedRegex("""(?:asked CMake to find a package configuration file provided by|Could NOT find) "?(?<package>\w+)"?""", Options, TimeoutMilliseconds)]
    private static partial Regex CMakeConfigurePackage();

    [GeneratedRegex("""^\s*\d+/\d+ Test +#\d+: (?<test>\S+) \.*\s*\*\*\*(?<outcome>Failed|Exception: [\w-]+|Timeout|Not Run)""", Options, TimeoutMilliseconds)]
    private static partial Regex CTestMatch();

    [GeneratedRegex("""^The following tests FAILED:|tests failed out of""", Options, TimeoutMilliseconds)]
    private static partial Regex CTestRequires();

    [GeneratedRegex("""^(?<message>\S.+)$""", Options, TimeoutMilliseconds)]
    private static partial Regex CTestMessage();

    [GeneratedRegex("""^g?make(?:\[\d+\])?: \*\*\* (?:\[(?:(?<makefile>[^:\]\s]+):(?<line>\d+): )?(?<target>[^\]]+)\] (?<result>.+)|(?<message>No rule to make target .+))$""", Options, TimeoutMilliseconds)]
    private static partial Regex MakeMatch();
}
