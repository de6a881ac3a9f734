namespace DevServer.Failures;

/// <summary>
/// The precedence of the classes, in one place: the first rule with a matching line wins, so a specific class
/// comes before any general class that would also match its output (python.import before python.traceback,
/// dotnet.restore and dotnet.missing_symbol before dotnet.compile, test runners before segfaults and timeouts,
/// every tool before the generic make and Node crash classes, "nothing to commit" last of all).
/// </summary>
internal static class FailureRules
{
    public static IReadOnlyList<FailureRule> All { get; } =
    [
        // The vendor and the machine: nothing in the code can fix these, and an agent's transcript may quote
        // compiler errors from earlier tool runs that are not why it stopped.
        VendorRules.Auth,
        VendorRules.RateLimit,
        VendorRules.Overloaded,
        SystemRules.NoSpace,
        GitRules.Auth,
        SystemRules.CommandNotFound,
        SystemRules.PermissionDenied,

        // Sanitizer reports name the bad access; the crash that follows is a consequence.
        NativeRules.AddressSanitizer,
        NativeRules.UndefinedBehaviorSanitizer,

        GitRules.MergeConflict,
        GitRules.PushRejected,

        // Dependencies before compilers: a missing package makes every use of it a compile error.
        DotnetRules.Restore,
        NodeRules.Install,

        // Python exceptions by kind, before the test runners that report them.
        PythonRules.Syntax,
        PythonRules.Import,
        PythonRules.Name,
        PythonRules.Attribute,
        PythonRules.Type,

        // Compilers and type checkers, the specific diagnostic before the general one.
        NodeRules.TypeScriptModule,
        NodeRules.TypeScript,
        NodeRules.ModuleNotFound,
        DotnetRules.MissingSymbol,
        DotnetRules.Compile,
        JavaRules.Compile,
        RustRules.Clippy,
        RustRules.Compile,
        GoRules.Compile,
        NativeRules.Compile,
        NativeRules.Link,
        NativeRules.CMakeConfigure,

        // Test runners.
        PythonRules.Pytest,
        PythonRules.Unittest,
        NodeRules.Jest,
        NodeRules.Vitest,
        NodeRules.NodeTest,
        DotnetRules.Test,
        JavaRules.Surefire,
        RustRules.Test,
        GoRules.Test,
        NativeRules.CTest,

        // Linters.
        NodeRules.ESLint,

        // Crashes and build-tool wrappers, after the tools that explain them.
        RustRules.Panic,
        JavaRules.GradleTest,
        JavaRules.Gradle,
        JavaRules.Maven,
        SystemRules.Segfault,
        SystemRules.Killed,
        SystemRules.Timeout,
        SystemRules.Dns,
        SystemRules.Connection,
        NodeRules.Uncaught,
        PythonRules.Traceback,
        NativeRules.Make,

        // Last: a clean `git status` in an agent's transcript is routine; it explains the failure only when nothing else does.
        GitRules.NothingToCommit,
    ];
}
