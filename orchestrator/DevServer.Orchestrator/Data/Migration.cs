namespace DevServer.Orchestrator.Data;

/// <summary>One schema migration: its version (the file name without <c>.sql</c>) and its SQL.</summary>
internal sealed record Migration(string Version, string Sql)
{
    private const string ResourcePrefix = "Migrations/";

    /// <summary>The orchestrator's migrations (embedded resources <c>Migrations/&lt;file&gt;.sql</c>), in name order.</summary>
    public static IReadOnlyList<Migration> Embedded { get; } = Load();

    private static Migration[] Load()
    {
        var assembly = typeof(Migration).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return new Migration(Path.GetFileNameWithoutExtension(name[ResourcePrefix.Length..]), reader.ReadToEnd());
            })
            .ToArray();
    }
}
