namespace DevServer.RepoInsight;

/// <summary>What a definition is. Languages name the same idea differently; the scanners map their words onto these.</summary>
public enum SymbolKind
{
    Class,
    Struct,
    Record,
    Interface,
    Trait,
    Enum,
    Union,
    TypeAlias,
    Typedef,
    Module,
    Namespace,
    /// <summary>A Kotlin or Scala object (a singleton).</summary>
    Singleton,
    /// <summary>A Rust impl block, named by its type.</summary>
    Implementation,
    Function,
    Method,
    Macro,
    Table,
    View,
    Procedure,
    Trigger,
}

/// <summary>One definition in a file.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Name">Its name as written (a Rust impl is named by its type).</param>
/// <param name="Line">The 1-based line it starts on.</param>
public sealed record CodeSymbol(SymbolKind Kind, string Name, int Line);

/// <summary>The symbols of one file, and the score that orders it in the map.</summary>
/// <param name="Path">Relative to the repository root, with '/' separators.</param>
/// <param name="Language">The language's key (<see cref="SourceLanguages"/>), or "misc" for a file listed by name only.</param>
/// <param name="Symbols">In line order.</param>
/// <param name="Score">Higher first; see docs/repo-map.md for the ranking.</param>
public sealed record FileSymbols(string Path, string Language, IReadOnlyList<CodeSymbol> Symbols, double Score);
