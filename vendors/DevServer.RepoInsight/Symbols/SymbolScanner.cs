using System.Text.RegularExpressions;

namespace DevServer.RepoInsight;

/// <summary>
/// Finds definitions in source text with one set of regexes per language, run over the text with its comments
/// blanked out. Fast and approximate: no parser, so unusual layouts can be missed (docs/repo-map.md).
/// </summary>
public static partial class SymbolScanner
{
    /// <summary>The definitions in <paramref name="text"/>, a file in <paramref name="language"/> (a <see cref="SourceLanguages"/> key), in line order.</summary>
    public static IReadOnlyList<CodeSymbol> Scan(string language, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!LanguageRules.TryGet(language, out var rules))
        {
            return [];
        }

        var source = SourceText.Create(text, rules.Comments);
        var found = new List<(int Line, int Rule, CodeSymbol Symbol, int Indent)>();
        for (var r = 0; r < rules.Rules.Count; r++)
        {
            var rule = rules.Rules[r];
            if (rule.Hint is { } hint && !source.Text.Contains(hint, StringComparison.Ordinal))
            {
                continue;
            }

            for (var match = rule.Pattern.Match(source.Text); match.Success; match = match.NextMatch())
            {
                var name = match.Groups["n"];
                if (!name.Success || ScanRule.Keywords.Contains(name.Value)
                    || (match.Groups["t"] is { Success: true } type && ScanRule.Keywords.Contains(type.Value)))
                {
                    continue;
                }

                var kind = match.Groups["k"] is { Success: true } keyword
                    ? ScanRule.KindOf(NormaliseKeyword(keyword.Value)) ?? rule.Kind
                    : rule.Kind;
                var indent = match.Groups["i"] is { Success: true } i ? i.Length : -1;
                var line = source.LineOf(name.Index);
                found.Add((line, r, new CodeSymbol(kind, Clean(name.Value), line), indent));
            }
        }

        found.Sort(static (a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Rule.CompareTo(b.Rule));
        var symbols = new List<CodeSymbol>(found.Count);
        var seen = new HashSet<(int, string)>();
        var exclusiveLine = -1;
        foreach (var (line, ruleIndex, symbol, _) in found)
        {
            var exclusive = rules.Rules[ruleIndex].Exclusive;
            if (exclusive && exclusiveLine == line)
            {
                continue;
            }

            if (seen.Add((line, symbol.Name)))
            {
                symbols.Add(symbol);
                if (exclusive)
                {
                    exclusiveLine = line;
                }
            }
        }

        return rules.Nesting switch
        {
            Nesting.PythonIndent => PythonMethods(symbols, found),
            Nesting.IndentedFunctionIsMethod => IndentedMethods(symbols, found),
            _ => symbols,
        };
    }

    private static string NormaliseKeyword(string keyword) => Whitespace().Replace(keyword.Trim(), " ").ToLowerInvariant();

    private static string Clean(string name) => name.Trim().Trim('"', '`', '[', ']');

    // Python: a def is a method when the nearest enclosing (less indented) definition is a class.
    private static List<CodeSymbol> PythonMethods(List<CodeSymbol> symbols, List<(int Line, int Rule, CodeSymbol Symbol, int Indent)> found)
    {
        var indents = IndentByLine(found);
        var stack = new Stack<(int Indent, SymbolKind Kind)>();
        var result = new List<CodeSymbol>(symbols.Count);
        foreach (var symbol in symbols)
        {
            var indent = indents.GetValueOrDefault(symbol.Line);
            while (stack.Count > 0 && stack.Peek().Indent >= indent)
            {
                stack.Pop();
            }

            var kind = symbol.Kind == SymbolKind.Function && stack.Count > 0 && stack.Peek().Kind == SymbolKind.Class ? SymbolKind.Method : symbol.Kind;
            stack.Push((indent, kind));
            result.Add(symbol with { Kind = kind });
        }

        return result;
    }

    // Rust, Kotlin, PHP, Ruby: a function written indented sits in an impl, class or object, so it is a method.
    private static List<CodeSymbol> IndentedMethods(List<CodeSymbol> symbols, List<(int Line, int Rule, CodeSymbol Symbol, int Indent)> found)
    {
        var indents = IndentByLine(found);
        return [.. symbols.Select(s => s.Kind == SymbolKind.Function && indents.GetValueOrDefault(s.Line) > 0 ? s with { Kind = SymbolKind.Method } : s)];
    }

    private static Dictionary<int, int> IndentByLine(List<(int Line, int Rule, CodeSymbol Symbol, int Indent)> found)
    {
        var indents = new Dictionary<int, int>();
        foreach (var entry in found)
        {
            if (entry.Indent >= 0)
            {
                indents.TryAdd(entry.Line, entry.Indent);
            }
        }

        return indents;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
