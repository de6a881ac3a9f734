using System.Text.RegularExpressions;

namespace DevServer.RepoInsight;

/// <summary>Go, Rust, C and C++.</summary>
internal static partial class SystemsPatterns
{
    public static readonly IReadOnlyList<ScanRule> Go =
    [
        new(GoFunc(), SymbolKind.Function, "func"),
        new(GoMethod(), SymbolKind.Method, "func"),
        new(GoType(), SymbolKind.TypeAlias, "type"),
        new(GoGroupedType(), SymbolKind.TypeAlias, "type"),
    ];

    public static readonly IReadOnlyList<ScanRule> Rust =
    [
        new(RustFn(), SymbolKind.Function, "fn"),
        new(RustType(), SymbolKind.Struct),
        new(RustImpl(), SymbolKind.Implementation, "impl"),
        new(RustMacro(), SymbolKind.Macro, "macro_rules!"),
    ];

    // C and C++ share one rule set: a ".h" file may hold either, and the C++-only forms do not occur in C.
    public static readonly IReadOnlyList<ScanRule> C =
    [
        new(CppNamespace(), SymbolKind.Namespace, "namespace"),
        new(CppUsingAlias(), SymbolKind.Typedef, "using"),
        new(CMacro(), SymbolKind.Macro, "define"),
        new(CTaggedType(), SymbolKind.Struct, "{"),
        new(CTypedefBlockName(), SymbolKind.Typedef, "typedef", Exclusive: false),
        new(CTypedef(), SymbolKind.Typedef, "typedef"),
        new(CFunction(), SymbolKind.Function, "{"),
    ];

    public static readonly IReadOnlyList<ScanRule> Cpp = C;

    [GeneratedRegex(@"^func[ \t]+(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex GoFunc();

    [GeneratedRegex(@"^func[ \t]*\([^)]*\)[ \t]*(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex GoMethod();

    // "type Name struct {", "type Name interface {", "type Name[T any] struct", "type Name = Other", "type Name int".
    [GeneratedRegex(@"^type[ \t]+(?<n>[A-Za-z_]\w*)(?:\[[^\]\n]*\])?[ \t]+=?[ \t]*(?<k>struct|interface)?", RegexOptions.Multiline)]
    private static partial Regex GoType();

    // Inside "type ( … )": one tab-indented "Name struct" (or any type) per line.
    [GeneratedRegex(@"^\t(?<n>[A-Za-z_]\w*)(?:\[[^\]\n]*\])?[ \t]+=?[ \t]*(?<k>struct|interface)\b", RegexOptions.Multiline)]
    private static partial Regex GoGroupedType();

    [GeneratedRegex(@"^(?<i>[ \t]*)(?:pub(?:\([^)\n]*\))?[ \t]+)?(?:(?:const|async|unsafe|default|extern(?:[ \t]+""[^""\n]*"")?)[ \t]+)*fn[ \t]+(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex RustFn();

    [GeneratedRegex(@"^[ \t]*(?:pub(?:\([^)\n]*\))?[ \t]+)?(?:unsafe[ \t]+)?(?<k>struct|enum|trait|union|type|mod)[ \t]+(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex RustType();

    [GeneratedRegex(@"^[ \t]*(?:unsafe[ \t]+)?impl(?:[ \t]*<[^{\n]*?>)?[ \t]+(?:[\w:<>, '&]+?[ \t]+for[ \t]+)?&?(?:[\w]+::)*(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex RustImpl();

    [GeneratedRegex(@"^[ \t]*macro_rules![ \t]*(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex RustMacro();

    [GeneratedRegex(@"define(?<=^[ \t]*#[ \t]*define)[ \t]+(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex CMacro();

    // A struct, union, enum or class with a body (a forward declaration defines nothing). Words between the keyword
    // and the name are export macros and attributes.
    [GeneratedRegex(@"\b(?<k>struct|union|enum(?:[ \t]+class)?|class)(?<=^[ \t]*(?:typedef[ \t]+)?(?:template[ \t]*<[^;{}\n]*>[ \t]*)?(?:struct|union|enum(?:[ \t]+class)?|class))[ \t]+(?:[A-Za-z_]\w*(?:\([^()\n]*\))?[ \t]+)*?(?<n>[A-Za-z_]\w*)(?:[ \t]*<[^;{}\n]*?>)?[ \t]*(?:final[ \t]*)?(?::[^;{}()]*)?\s*\{", RegexOptions.Multiline)]
    private static partial Regex CTaggedType();

    // "typedef struct { … } name;": the name after the block (two levels of nested braces).
    [GeneratedRegex(@"typedef[ \t]+(?:struct|union|enum)\b[^{;]*\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}[ \t]*\*?[ \t]*(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex CTypedefBlockName();

    // "typedef old new;", "typedef int (*name)(int);", "typedef char name[8];".
    [GeneratedRegex(@"typedef(?<=^[ \t]*typedef)\b[^;{}]*?(?:\([ \t]*\*[ \t]*(?<n>[A-Za-z_]\w*)[ \t]*\)[^;{}]*|\b(?<n>[A-Za-z_]\w*)(?:[ \t]*\[[^\]\n]*\])*)[ \t]*;", RegexOptions.Multiline)]
    private static partial Regex CTypedef();

    // A definition: "type name(params) {" where the parameters and the words after them (const, noexcept, an
    // initialiser list) may span lines, and a "{" comes before any ";". The return type may sit on the line above.
    // Led by "(": the name and the line's start are checked behind it, the parameters and the "{" ahead of it.
    [GeneratedRegex(@"\((?<=^[ \t]*(?:[\w:<>,~]+[ \t*&]+)*(?<n>~?\b[A-Za-z_]\w*(?:::~?[A-Za-z_]\w*)*|operator[^\s(]+)[ \t]*\()(?=(?>(?:[^;{}()]|\([^;{}()]*\))*)\)(?>(?:[^;{}()]|\([^;{}()]*\))*)\{)", RegexOptions.Multiline)]
    private static partial Regex CFunction();

    // "namespace a::b {", also with an attribute macro before the brace (namespace std _GLIBCXX_VISIBILITY(default)).
    [GeneratedRegex(@"namespace(?<=^[ \t]*(?:inline[ \t]+)?namespace)[ \t]+(?<n>[A-Za-z_][\w:]*)(?:[ \t]+[A-Za-z_]\w*(?:\([^()\n]*\))?)?\s*\{", RegexOptions.Multiline)]
    private static partial Regex CppNamespace();

    // "using Name = type;" (an alias declaration; "using namespace" and "using std::x;" have no "=").
    [GeneratedRegex(@"using(?<=^[ \t]*(?:template[ \t]*<[^;{}\n]*>[ \t]*)?using)[ \t]+(?<n>[A-Za-z_]\w*)[ \t]*=", RegexOptions.Multiline)]
    private static partial Regex CppUsingAlias();
}
