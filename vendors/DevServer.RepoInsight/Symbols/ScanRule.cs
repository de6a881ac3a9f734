using System.Text.RegularExpressions;

namespace DevServer.RepoInsight;

/// <summary>
/// One definition pattern, run over a whole masked file (multiline mode). Group "n" is the name; group "k", when
/// present, is the keyword that decides the kind; group "i", when present, is the indentation.
/// </summary>
/// <param name="Pattern">The regex.</param>
/// <param name="Kind">The kind, or the fallback when group "k" gives none.</param>
/// <param name="Hint">A literal the file must contain for the rule to run at all (a cheap filter), or null.</param>
/// <param name="Exclusive">
/// At most one exclusive rule names a line (the first in the list wins); non-exclusive rules (a definition in the
/// middle of a line, as in minified code) add every match.
/// </param>
internal sealed record ScanRule(Regex Pattern, SymbolKind Kind, string? Hint = null, bool Exclusive = true)
{
    /// <summary>Names that the loose "type name(" patterns would take for definitions.</summary>
    public static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "if", "for", "foreach", "while", "switch", "catch", "return", "new", "throw", "else", "case", "do", "using",
        "lock", "fixed", "sizeof", "typeof", "nameof", "await", "yield", "function", "with", "when", "elif", "defined",
        "assert", "goto", "default", "in", "of", "is", "as", "var", "let", "const", "super", "this", "import",
        "export", "checked", "unchecked", "decltype", "alignof", "static_assert", "__attribute__", "__declspec",
    };

    public static SymbolKind? KindOf(string keyword) => keyword switch
    {
        "class" or "abstract class" => SymbolKind.Class,
        "struct" => SymbolKind.Struct,
        "record" or "record class" or "record struct" => SymbolKind.Record,
        "interface" or "@interface" => SymbolKind.Interface,
        "trait" => SymbolKind.Trait,
        "enum" or "enum class" => SymbolKind.Enum,
        "union" => SymbolKind.Union,
        "type" => SymbolKind.TypeAlias,
        "typealias" => SymbolKind.TypeAlias,
        "module" or "mod" => SymbolKind.Module,
        "namespace" => SymbolKind.Namespace,
        "object" => SymbolKind.Singleton,
        "fn" or "func" or "function" or "def" or "fun" => SymbolKind.Function,
        "table" => SymbolKind.Table,
        "view" => SymbolKind.View,
        "procedure" => SymbolKind.Procedure,
        "trigger" => SymbolKind.Trigger,
        _ => null,
    };
}
