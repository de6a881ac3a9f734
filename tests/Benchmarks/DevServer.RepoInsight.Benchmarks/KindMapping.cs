using System.Text.RegularExpressions;

namespace DevServer.RepoInsight.Benchmarks;

/// <summary>
/// The ctags kinds that count as definitions in the recall, per ctags language: types, functions and methods (and
/// C macros and typedefs), the kinds a repository map is for. Variables, constants, properties, fields, enumerators,
/// parameters and imports are not counted (the map does not list them). A definition is found when the map has a
/// symbol of the same name in the same file on the same line or one line off, whatever kind the map gave it.
/// </summary>
internal static class KindMapping
{
    private static readonly Dictionary<string, HashSet<string>> Definitions = new(StringComparer.Ordinal)
    {
        ["JavaScript"] = ["class", "function", "method", "generator", "getter", "setter"],
        ["TypeScript"] = ["class", "interface", "enum", "function", "method", "namespace", "alias", "generator"],
        ["Python"] = ["class", "function", "member"],
        ["C"] = ["function", "struct", "union", "enum", "typedef", "macro"],
        ["C++"] = ["function", "struct", "class", "union", "enum", "typedef", "macro", "namespace"],
        ["Java"] = ["class", "interface", "enum", "method", "annotation"],
        ["C#"] = ["class", "interface", "struct", "enum", "method", "namespace"],
        ["Go"] = ["func", "struct", "interface", "type", "talias"],
        ["Rust"] = ["function", "method", "struct", "enum", "trait", "union", "typedef", "module", "implementation", "macro"],
        ["Kotlin"] = ["class", "object", "interface", "method", "typealias"],
        ["Ruby"] = ["class", "module", "method", "singletonMethod"],
        ["PHP"] = ["class", "interface", "trait", "function"],
        ["SQL"] = ["table", "view", "function", "procedure", "trigger"],
        ["Sh"] = ["function"],
    };

    /// <summary>Whether a ctags tag is counted, and if not, why (for the printed exclusion counts).</summary>
    public static (bool Counted, string? Excluded) Classify(string language, string kind, string name, string pattern)
    {
        if (!Definitions.TryGetValue(language, out var kinds) || !kinds.Contains(kind))
        {
            return (false, null);
        }

        // ctags names anonymous functions "AnonymousFunction<hex>": there is no name in the source to find.
        if (name.StartsWith("AnonymousFunction", StringComparison.Ordinal))
        {
            return (false, "anonymous function");
        }

        // ctags names anonymous structs, unions and enums "__anon<hex>": again no name in the source.
        if (name.StartsWith("__anon", StringComparison.Ordinal))
        {
            return (false, "anonymous struct, union or enum");
        }

        // ctags' JavaScript parser also gives kind "class" to object literals (every nested key of a JSON-schema
        // object, `var Bt = {…}`): a JS class counts only when its line says `class Name` or `function Name`
        // (ES classes and constructor functions).
        if (language == "JavaScript" && kind == "class"
            && !pattern.Contains("class " + name, StringComparison.Ordinal)
            && !Regex.IsMatch(pattern, @"function\s*\*?\s*" + Regex.Escape(name) + @"\b"))
        {
            return (false, "object literal reported as class");
        }

        // ctags 5.9 also reports the names in `import { type X }` and `export { X }` as TypeScript aliases: they
        // are references to definitions elsewhere, not definitions.
        if (language == "TypeScript" && kind == "alias" && Regex.IsMatch(pattern, @"^/\^\s*(import|export\s*(type\s*)?\{)"))
        {
            return (false, "import/export specifier reported as alias");
        }

        return (true, null);
    }
}
