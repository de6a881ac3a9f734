using System.Text.RegularExpressions;

namespace DevServer.RepoInsight;

/// <summary>Ruby, PHP, SQL and shell.</summary>
internal static partial class ScriptingPatterns
{
    public static readonly IReadOnlyList<ScanRule> Ruby =
    [
        new(RubyClassOrModule(), SymbolKind.Class),
        new(RubyDef(), SymbolKind.Function, "def"),
    ];

    public static readonly IReadOnlyList<ScanRule> Php =
    [
        new(PhpType(), SymbolKind.Class),
        new(PhpFunction(), SymbolKind.Function, "function"),
    ];

    public static readonly IReadOnlyList<ScanRule> Sql =
    [
        new(SqlCreate(), SymbolKind.Table),
    ];

    public static readonly IReadOnlyList<ScanRule> Shell =
    [
        new(ShellFunction(), SymbolKind.Function, "("),
        new(ShellFunctionKeyword(), SymbolKind.Function, "function"),
    ];

    [GeneratedRegex(@"^[ \t]*(?<k>class|module)[ \t]+(?<n>[A-Z][\w:]*)", RegexOptions.Multiline)]
    private static partial Regex RubyClassOrModule();

    [GeneratedRegex(@"^(?<i>[ \t]*)(?:(?:private|protected|public|module_function)[ \t]+)?def[ \t]+(?:self\.)?(?<n>[A-Za-z_]\w*[?!=]?|[^\s(\w]+)", RegexOptions.Multiline)]
    private static partial Regex RubyDef();

    [GeneratedRegex(@"^[ \t]*(?:(?:abstract|final|readonly)[ \t]+)*(?<k>class|interface|trait|enum)[ \t]+(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex PhpType();

    [GeneratedRegex(@"^(?<i>[ \t]*)(?:(?:public|private|protected|static|abstract|final)[ \t]+)*function[ \t]+&?[ \t]*(?<n>[A-Za-z_]\w*)", RegexOptions.Multiline)]
    private static partial Regex PhpFunction();

    [GeneratedRegex(@"^[ \t]*create[ \t]+(?:or[ \t]+replace[ \t]+)?(?:(?:temp|temporary|unlogged|materialized|global|local|recursive|definer[ \t]*=[ \t]*\S+)[ \t]+)*(?<k>table|view|function|procedure|trigger)[ \t]+(?:if[ \t]+not[ \t]+exists[ \t]+)?(?<n>[\w""`\[\].]+)", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex SqlCreate();

    [GeneratedRegex(@"^[ \t]*(?:function[ \t]+)?(?<n>[A-Za-z_][\w.:-]*)[ \t]*\([ \t]*\)", RegexOptions.Multiline)]
    private static partial Regex ShellFunction();

    [GeneratedRegex(@"^[ \t]*function[ \t]+(?<n>[A-Za-z_][\w.:-]*)", RegexOptions.Multiline)]
    private static partial Regex ShellFunctionKeyword();
}
