using System.Text.RegularExpressions;

namespace DevServer.RepoInsight;

/// <summary>C#, Java and Kotlin.</summary>
internal static partial class ManagedPatterns
{
    private const string Annotations = @"(?:@[\w.]+(?:\([^()\n]*\))?[ \t]+)*";
    private const string Attributes = @"(?:\[[^\]\n]*\][ \t]*)*";
    private const string CsModifiers = @"(?:(?:public|private|protected|internal|static|sealed|abstract|partial|readonly|ref|unsafe|file|new|virtual|override|async|extern|required)[ \t]+)*";
    private const string JavaModifiers = @"(?:(?:public|protected|private|static|final|abstract|synchronized|native|default|strictfp|transient|sealed|non-sealed)[ \t]+)*";
    private const string TypeName = @"[\w.$]+(?:[ \t]*<[^;{}=()\n]*>)?(?:\[[ \t,]*\])*\??";

    public static readonly IReadOnlyList<ScanRule> CSharp =
    [
        new(CsType(), SymbolKind.Class),
        new(CsNamespace(), SymbolKind.Namespace, "namespace"),
        new(CsMethod(), SymbolKind.Method, "("),
        new(CsConstructor(), SymbolKind.Method, "("),
    ];

    public static readonly IReadOnlyList<ScanRule> Java =
    [
        new(JavaType(), SymbolKind.Class),
        new(JavaMethod(), SymbolKind.Method, "("),
        new(JavaConstructor(), SymbolKind.Method, "("),
    ];

    public static readonly IReadOnlyList<ScanRule> Kotlin =
    [
        new(KotlinType(), SymbolKind.Class),
        new(KotlinFunction(), SymbolKind.Function, "fun"),
        new(KotlinAlias(), SymbolKind.TypeAlias, "typealias"),
    ];

    [GeneratedRegex(@"\b(?<k>class|interface|struct|enum|record(?:[ \t]+(?:class|struct))?)(?<=^[ \t]*" + Attributes + CsModifiers + @"(?:class|interface|struct|enum|record(?:[ \t]+(?:class|struct))?))[ \t]+(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex CsType();

    [GeneratedRegex(@"^[ \t]*namespace[ \t]+(?<n>[\w.]+)", RegexOptions.Multiline)]
    private static partial Regex CsNamespace();

    // "modifiers type Name(" or "modifiers type Name<T>(": the scanner drops matches whose "type" is a keyword
    // ("return Foo(", "await Bar("). Like most patterns here it is led by a literal ("(", a keyword) with the rest in
    // a lookbehind, so the regex engine jumps between occurrences of the literal instead of trying every line.
    [GeneratedRegex(@"\((?<=^[ \t]*" + Attributes + CsModifiers + @"(?<t>" + TypeName + @"|\([^()\n]*\))[ \t]+(?:[\w.]+\.)?(?<n>[A-Za-z_]\w*)[ \t]*(?:<[^()\n]*>)?[ \t]*\()", RegexOptions.Multiline)]
    private static partial Regex CsMethod();

    [GeneratedRegex(@"\((?<=^[ \t]*" + Attributes + @"(?:(?:public|private|protected|internal|static)[ \t]+)+(?<n>[A-Z]\w*)[ \t]*\()", RegexOptions.Multiline)]
    private static partial Regex CsConstructor();

    [GeneratedRegex(@"(?<k>class|interface|enum|record|@interface)(?<=^[ \t]*" + Annotations + JavaModifiers + @"(?:class|interface|enum|record|@interface))[ \t]+(?<n>[A-Za-z_$][\w$]*)", RegexOptions.Multiline)]
    private static partial Regex JavaType();

    [GeneratedRegex(@"\((?<=^[ \t]*" + Annotations + JavaModifiers + @"(?:<[^()\n]*>[ \t]+)?(?<t>" + TypeName + @")[ \t]+(?<n>[A-Za-z_$][\w$]*)[ \t]*\()", RegexOptions.Multiline)]
    private static partial Regex JavaMethod();

    [GeneratedRegex(@"\((?<=^[ \t]*" + Annotations + JavaModifiers + @"(?:<[^()\n]*>[ \t]+)?(?<n>[A-Z][\w$]*)[ \t]*\()(?=[^;{}]*\)[^;{}]*\{)", RegexOptions.Multiline)]
    private static partial Regex JavaConstructor();

    [GeneratedRegex(@"\b(?<k>class|interface|object)(?<=^[ \t]*" + Annotations + @"(?:(?:public|private|protected|internal|open|abstract|sealed|data|enum|annotation|inline|value|inner|companion|final|expect|actual|fun)[ \t]+)*(?:class|interface|object))[ \t]+(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex KotlinType();

    [GeneratedRegex(@"^(?<i>[ \t]*)" + Annotations + @"(?:(?:public|private|protected|internal|open|abstract|override|final|suspend|inline|operator|infix|tailrec|external|actual|expect|private)[ \t]+)*fun[ \t]+(?:<[^>\n]*>[ \t]*)?(?:[\w.<>?, ]+\.)?(?<n>[A-Za-z_]\w*|`[^`]+`)[ \t]*\(", RegexOptions.Multiline)]
    private static partial Regex KotlinFunction();

    [GeneratedRegex(@"^[ \t]*(?:(?:public|private|internal)[ \t]+)?typealias[ \t]+(?<n>\w+)", RegexOptions.Multiline)]
    private static partial Regex KotlinAlias();
}
