namespace DevServer.Failures.Tests;

/// <summary>The recorded outputs in Examples/: <c>&lt;key&gt;.txt</c> or <c>&lt;key&gt;--&lt;variant&gt;.txt</c>.</summary>
internal static class Examples
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Examples");

    /// <summary>Every example file name (without the folder).</summary>
    public static IReadOnlyList<string> Files { get; } =
        [.. System.IO.Directory.GetFiles(Directory, "*.txt").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    /// <summary>The class an example file is for: its name up to "--" or ".txt".</summary>
    public static string KeyOf(string file)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        var variant = name.IndexOf("--", StringComparison.Ordinal);
        return variant < 0 ? name : name[..variant];
    }

    public static string Read(string file) => File.ReadAllText(Path.Combine(Directory, file));

    /// <summary>The main example of <paramref name="key"/>.</summary>
    public static string For(string key) => Read(key + ".txt");
}
