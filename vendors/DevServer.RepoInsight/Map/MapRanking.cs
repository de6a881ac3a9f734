namespace DevServer.RepoInsight;

/// <summary>
/// Orders files by how much a newcomer learns from them (docs/repo-map.md): what they define (types count most),
/// whether they are an entry point or a manifest, how close they are to the root and to a README, and tests last.
/// </summary>
internal static class MapRanking
{
    private static readonly HashSet<string> EntryPointStems = new(StringComparer.OrdinalIgnoreCase)
    {
        "main", "program", "app", "index", "server", "cli", "__main__", "lib", "mod", "application", "startup", "manage",
    };

    /// <summary>Files listed by name only: they tell how the repository is built and run.</summary>
    private static readonly HashSet<string> Manifests = new(StringComparer.OrdinalIgnoreCase)
    {
        "README.md", "README", "README.rst", "AGENTS.md", "CLAUDE.md", "package.json", "pyproject.toml", "setup.py",
        "Cargo.toml", "go.mod", "pom.xml", "build.gradle", "build.gradle.kts", "CMakeLists.txt", "Makefile",
        "Dockerfile", "docker-compose.yml", "compose.yaml", "Gemfile", "composer.json",
    };

    public static bool IsManifest(string path) =>
        Manifests.Contains(Path.GetFileName(path)) || path.EndsWith(".sln", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase);

    public static double Score(string path, IReadOnlyList<CodeSymbol> symbols, ISet<string> foldersWithReadme)
    {
        var depth = path.Count(c => c == '/');
        var folder = depth == 0 ? "" : path[..path.LastIndexOf('/')];
        double score;
        if (symbols.Count == 0)
        {
            // A manifest at the root tells more than most source files; deeper ones less.
            score = IsManifest(path) ? Math.Max(2, 24 - (8 * depth)) : 0;
            return score;
        }

        var weight = 0.0;
        foreach (var symbol in symbols)
        {
            weight += symbol.Kind switch
            {
                SymbolKind.Class or SymbolKind.Struct or SymbolKind.Record or SymbolKind.Interface or SymbolKind.Trait
                    or SymbolKind.Enum or SymbolKind.Union or SymbolKind.Singleton or SymbolKind.Table or SymbolKind.View => 3,
                SymbolKind.TypeAlias or SymbolKind.Typedef or SymbolKind.Module or SymbolKind.Namespace or SymbolKind.Implementation => 1.5,
                SymbolKind.Function or SymbolKind.Procedure or SymbolKind.Trigger => 2,
                SymbolKind.Method => 1,
                _ => 0.5,
            };
        }

        // Diminishing returns: a file with 300 helpers is not 30 times as informative as one with 10.
        score = 10 * Math.Log2(1 + weight);
        var stem = Path.GetFileNameWithoutExtension(path);
        if (EntryPointStems.Contains(stem))
        {
            score += depth <= 2 ? 8 : 3;
        }

        if (foldersWithReadme.Contains(folder))
        {
            score += 4;
        }

        score -= 2.5 * depth;
        if (IsTest(path))
        {
            score *= 0.3;
        }

        return Math.Max(score, 0.1);
    }

    public static bool IsTest(string path)
    {
        var lower = path.ToLowerInvariant();
        var name = Path.GetFileName(lower);
        return lower.StartsWith("test/", StringComparison.Ordinal) || lower.StartsWith("tests/", StringComparison.Ordinal)
            || lower.Contains("/test/", StringComparison.Ordinal) || lower.Contains("/tests/", StringComparison.Ordinal)
            || lower.Contains("__tests__/", StringComparison.Ordinal) || lower.Contains("/spec/", StringComparison.Ordinal)
            || lower.StartsWith("spec/", StringComparison.Ordinal) || lower.Contains(".tests/", StringComparison.Ordinal)
            || name.StartsWith("test_", StringComparison.Ordinal) || name.Contains("_test.", StringComparison.Ordinal)
            || name.Contains(".test.", StringComparison.Ordinal) || name.Contains(".spec.", StringComparison.Ordinal)
            || name.EndsWith("tests.cs", StringComparison.Ordinal) || name.EndsWith("test.java", StringComparison.Ordinal)
            || name.EndsWith("test.kt", StringComparison.Ordinal);
    }
}
