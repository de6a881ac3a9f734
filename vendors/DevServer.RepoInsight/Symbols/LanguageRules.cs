using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace DevServer.RepoInsight;

/// <summary>How a scanner decides between function and method once the regexes have run.</summary>
internal enum Nesting
{
    /// <summary>The rules' kinds stand.</summary>
    None,

    /// <summary>Python: a def directly inside a class is a method.</summary>
    PythonIndent,

    /// <summary>An indented function is a method (it sits in an impl, class or object).</summary>
    IndentedFunctionIsMethod,
}

/// <summary>One language's comment style and definition rules.</summary>
internal sealed record LanguageRules(CommentStyle Comments, IReadOnlyList<ScanRule> Rules, Nesting Nesting = Nesting.None)
{
    private static readonly Dictionary<string, LanguageRules> ByLanguage = new(StringComparer.Ordinal)
    {
        [SourceLanguages.Python] = new(CommentStyle.Python, PythonPatterns.Rules, Nesting.PythonIndent),
        [SourceLanguages.JavaScript] = new(CommentStyle.JavaScript, ScriptPatterns.JavaScript),
        [SourceLanguages.TypeScript] = new(CommentStyle.JavaScript, ScriptPatterns.TypeScript),
        [SourceLanguages.CSharp] = new(CommentStyle.CFamily, ManagedPatterns.CSharp),
        [SourceLanguages.Java] = new(CommentStyle.CFamily, ManagedPatterns.Java),
        [SourceLanguages.Kotlin] = new(CommentStyle.CFamily, ManagedPatterns.Kotlin, Nesting.IndentedFunctionIsMethod),
        [SourceLanguages.Go] = new(CommentStyle.Go, SystemsPatterns.Go),
        [SourceLanguages.Rust] = new(CommentStyle.Rust, SystemsPatterns.Rust, Nesting.IndentedFunctionIsMethod),
        [SourceLanguages.C] = new(CommentStyle.CFamily, SystemsPatterns.C),
        [SourceLanguages.Cpp] = new(CommentStyle.CFamily, SystemsPatterns.Cpp),
        [SourceLanguages.Ruby] = new(CommentStyle.Hash, ScriptingPatterns.Ruby, Nesting.IndentedFunctionIsMethod),
        [SourceLanguages.Php] = new(CommentStyle.Php, ScriptingPatterns.Php, Nesting.IndentedFunctionIsMethod),
        [SourceLanguages.Sql] = new(CommentStyle.Sql, ScriptingPatterns.Sql),
        [SourceLanguages.Shell] = new(CommentStyle.Hash, ScriptingPatterns.Shell),
    };

    public static bool TryGet(string language, [NotNullWhen(true)] out LanguageRules? rules) => ByLanguage.TryGetValue(language, out rules);
}

internal static partial class PythonPatterns
{
    public static readonly IReadOnlyList<ScanRule> Rules =
    [
        new(ClassOrDef(), SymbolKind.Function),
    ];

    // Led by the keyword (the engine jumps between occurrences), the line's start checked behind it.
    [GeneratedRegex(@"\b(?<k>class|def)(?<=^(?<i>[ \t]*)(?:async[ \t]+)?(?:class|def))[ \t]+(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex ClassOrDef();
}

internal static partial class ScriptPatterns
{
    private const string Id = @"[A-Za-z_$][\w$]*";

    private const string Modifiers = "(?:static|async|get|set|public|private|protected|readonly|override|abstract|declare|accessor)";

    // A parameter list: may span lines, and may hold one level of braces or parentheses (destructuring, defaults).
    private const string Parameters = @"\((?:[^;{}()]|\{[^;{}]*\}|\([^;{}()]*\))*\)";

    public static readonly IReadOnlyList<ScanRule> JavaScript =
    [
        new(Class(), SymbolKind.Class, "class", Exclusive: false),
        new(Function(), SymbolKind.Function, "function", Exclusive: false),
        new(AssignedFunction(), SymbolKind.Function, "function", Exclusive: false),
        new(AssignedArrow(), SymbolKind.Function, "=>", Exclusive: false),
        new(PropertyFunction(), SymbolKind.Method, "function", Exclusive: false),
        new(MemberFunction(), SymbolKind.Method, "function", Exclusive: false),
        new(MethodShorthand(), SymbolKind.Method, "{"),
    ];

    public static readonly IReadOnlyList<ScanRule> TypeScript =
    [
        new(TypeDeclaration(), SymbolKind.Interface),
        .. JavaScript,
        new(MethodSignature(), SymbolKind.Method, "(", Exclusive: true),
        new(ConstructorSignature(), SymbolKind.Method, "constructor"),
    ];

    [GeneratedRegex(@"(?<![\w$.])class[ \t]+(?<n>" + Id + @")(?:[ \t]*<[^{;]*?>)?[ \t]*(?:(?:extends|implements)\b[^{;]*)?\{", RegexOptions.Multiline)]
    private static partial Regex Class();

    [GeneratedRegex(@"(?<![\w$.])function\b[ \t]*\*?[ \t]*(?<n>" + Id + @")[ \t]*(?:<[^(]*>)?\(", RegexOptions.Multiline)]
    private static partial Regex Function();

    // The next four lead with their keyword ("function", "=>") and find the name in a lookbehind, so the regex engine
    // jumps between occurrences of the keyword instead of trying every identifier in the file.
    [GeneratedRegex(@"(?<=(?<![\w$.])(?<n>" + Id + @")[ \t]*(?::[^=;\n(){}]+)?=[ \t]*(?:async[ \t]+)?)function\b", RegexOptions.Multiline)]
    private static partial Regex AssignedFunction();

    [GeneratedRegex(@"(?<=(?<![\w$.])(?:const|let|var)[ \t]+(?<n>" + Id + @")[ \t]*(?::[^=;\n]{1,80})?=[ \t]*(?:async[ \t]*)?(?:\([^()\n]{0,200}\)|" + Id + @")(?:[ \t]*:[^=;{\n]{1,80})?[ \t]*)=>", RegexOptions.Multiline)]
    private static partial Regex AssignedArrow();

    [GeneratedRegex(@"(?<=(?<![\w$.])(?<n>" + Id + @")[ \t]*:[ \t]*(?:async[ \t]+)?)function\b", RegexOptions.Multiline)]
    private static partial Regex PropertyFunction();

    [GeneratedRegex(@"(?<=(?<![\w$])(?:" + Id + @"\.)+(?<n>" + Id + @")[ \t]*=[ \t]*(?:async[ \t]+)?)function\b", RegexOptions.Multiline)]
    private static partial Regex MemberFunction();

    // Class and object-literal methods: "name(args) {" at a line's start (a call is never followed by a block). Led by
    // ") {" with the rest in a lookbehind: the engine jumps between ")"s instead of trying every line.
    [GeneratedRegex(@"\)(?:[ \t]*:[^;{}=\n]{1,200}?)?[ \t]*\{(?<=^[ \t]*(?:" + Modifiers + @"[ \t]+)*\*?[ \t]*#?(?<n>" + Id + @")[ \t]*\??[ \t]*(?:<[^()\n]*>)?" + Parameters + @"(?:[ \t]*:[^;{}=\n]{1,200}?)?[ \t]*\{)", RegexOptions.Multiline)]
    private static partial Regex MethodShorthand();

    // Declarations (.d.ts, interfaces, abstract members): "name(args): type;" (the ";" may be missing), led by "):".
    [GeneratedRegex(@"\)[ \t]*:[^;{}=\n]{1,300}(?=[ \t]*;?[ \t]*$)(?<=^[ \t]*(?:" + Modifiers + @"[ \t]+)*(?<n>" + Id + @")[ \t]*\??[ \t]*(?:<[^()\n]*>)?" + Parameters + @"[ \t]*:[^;{}=\n]{1,300})", RegexOptions.Multiline)]
    private static partial Regex MethodSignature();

    // "constructor(args);" in declarations: no return type to tell it from a call, so only this name.
    [GeneratedRegex(@"^[ \t]*(?:(?:public|private|protected)[ \t]+)?(?<n>constructor)[ \t]*" + Parameters + @"[ \t]*;", RegexOptions.Multiline)]
    private static partial Regex ConstructorSignature();

    // Led by the keyword; the line's start and modifiers are checked behind it.
    [GeneratedRegex(@"\b(?<k>interface|enum|type|namespace|module)(?<=^[ \t]*(?:(?:export|default|declare|abstract|const)[ \t]+)*(?:interface|enum|type|namespace|module))[ \t]+(?<n>" + Id + @"(?:\." + Id + @")*)(?:[ \t]*<[^\n]*?>)?(?:[ \t]+extends\b[^{;=\n]*)?[ \t]*(?:[={]|$)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();
}
