namespace DevServer.RepoInsight;

/// <summary>The languages the map understands, by file extension.</summary>
public static class SourceLanguages
{
    public const string Python = "python";
    public const string TypeScript = "typescript";
    public const string JavaScript = "javascript";
    public const string CSharp = "csharp";
    public const string Go = "go";
    public const string Rust = "rust";
    public const string Java = "java";
    public const string Kotlin = "kotlin";
    public const string Ruby = "ruby";
    public const string Php = "php";
    public const string Sql = "sql";
    public const string Shell = "shell";
    public const string C = "c";
    public const string Cpp = "cpp";

    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".py"] = Python, [".pyi"] = Python,
        [".ts"] = TypeScript, [".tsx"] = TypeScript, [".mts"] = TypeScript, [".cts"] = TypeScript,
        [".js"] = JavaScript, [".jsx"] = JavaScript, [".mjs"] = JavaScript, [".cjs"] = JavaScript,
        [".cs"] = CSharp,
        [".go"] = Go,
        [".rs"] = Rust,
        [".java"] = Java,
        [".kt"] = Kotlin, [".kts"] = Kotlin,
        [".rb"] = Ruby,
        [".php"] = Php,
        [".sql"] = Sql,
        [".sh"] = Shell, [".bash"] = Shell, [".zsh"] = Shell, [".ksh"] = Shell,
        [".c"] = C, [".h"] = C,
        [".cc"] = Cpp, [".cpp"] = Cpp, [".cxx"] = Cpp, [".c++"] = Cpp, [".hh"] = Cpp, [".hpp"] = Cpp, [".hxx"] = Cpp, [".inl"] = Cpp,
    };

    /// <summary>Every language key.</summary>
    public static IReadOnlyList<string> All { get; } = [.. ByExtension.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>The language of <paramref name="path"/> by its extension, or null when the map does not scan it.</summary>
    public static string? ForPath(string path)
    {
        var extension = Path.GetExtension(path);
        return extension.Length > 0 && ByExtension.TryGetValue(extension, out var language) ? language : null;
    }
}
