using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Rpc.CodeGen.Tests.Infrastructure;

/// <summary>
/// Compiles generated sources in memory the way the strict build would see them in a consumer project: nullable
/// on, XML documentation checked, every warning wave on. Referenced: the running framework, Google.Protobuf
/// and Rpc.Core.
/// </summary>
internal static class CSharpCompiler
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray());

    /// <summary>Returns every diagnostic of warning or error severity (empty means clean).</summary>
    public static IReadOnlyList<string> Problems(IEnumerable<string> sources)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
        var trees = sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, parseOptions, path: $"source{i}.cs"));
        var compilation = CSharpCompilation.Create(
            "Generated",
            trees,
            References.Value,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999));
        using var peStream = new MemoryStream();
        var result = compilation.Emit(peStream);
        return result.Diagnostics
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .ToList();
    }

    /// <summary>Asserts the sources compile without errors or warnings.</summary>
    public static void AssertCompiles(IEnumerable<string> sources)
    {
        var problems = Problems(sources);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
