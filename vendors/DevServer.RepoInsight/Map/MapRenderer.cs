using System.Globalization;
using System.Text;

namespace DevServer.RepoInsight;

/// <summary>Renders an index within a budget: whole lines only, in rank order, with a footer for what was left out.</summary>
internal static class MapRenderer
{
    public const string Empty = "(repo map: no indexable files found)";

    public static (string Text, int FilesShown, int FilesOmitted) Render(RepositoryIndex index, int budget, int maxSymbolsPerEntry)
    {
        if (index.Files.Count == 0)
        {
            return (Empty.Length <= budget ? Empty : "", 0, 0);
        }

        var heading = string.Create(CultureInfo.InvariantCulture, $"REPO MAP ({index.Files.Count} files, {index.SymbolCount} symbols; most informative first; kind name:line):\n");
        var text = new StringBuilder();
        if (heading.Length > budget)
        {
            return ("", 0, index.Files.Count);
        }

        text.Append(heading);
        var shown = 0;
        var skipped = 0;
        foreach (var file in index.Files)
        {
            var entry = Entry(file, maxSymbolsPerEntry);
            // Room is kept for the footer whenever a file would be left out even if this one is shown.
            var omittedIfShown = index.Files.Count - shown - 1;
            var reserve = omittedIfShown > 0 ? Footer(omittedIfShown).Length : 0;
            if (text.Length + entry.Length + reserve <= budget)
            {
                text.Append(entry);
                shown++;
            }
            else
            {
                // A long entry that does not fit may be followed by shorter ones that do.
                skipped++;
            }
        }

        var omitted = index.Files.Count - shown;
        if (omitted > 0)
        {
            var footer = Footer(omitted);
            if (text.Length + footer.Length <= budget)
            {
                text.Append(footer);
            }
        }

        return (text.ToString(), shown, omitted);
    }

    private static string Footer(int omitted) => string.Create(CultureInfo.InvariantCulture, $"… {omitted} more files not shown (map budget)\n");

    private static string Entry(FileSymbols file, int maxSymbols)
    {
        var line = new StringBuilder("  ").Append(file.Path);
        if (file.Symbols.Count == 0)
        {
            return line.Append('\n').ToString();
        }

        line.Append(": ");
        var count = Math.Min(file.Symbols.Count, Math.Max(1, maxSymbols));
        for (var i = 0; i < count; i++)
        {
            var symbol = file.Symbols[i];
            if (i > 0)
            {
                line.Append(", ");
            }

            line.Append(Label(symbol.Kind)).Append(' ').Append(symbol.Name).Append(':').Append(symbol.Line.ToString(CultureInfo.InvariantCulture));
        }

        if (file.Symbols.Count > count)
        {
            line.Append(CultureInfo.InvariantCulture, $", +{file.Symbols.Count - count} more");
        }

        return line.Append('\n').ToString();
    }

    /// <summary>The short word for a kind in the text map.</summary>
    public static string Label(SymbolKind kind) => kind switch
    {
        SymbolKind.Function => "fn",
        SymbolKind.TypeAlias => "type",
        SymbolKind.Singleton => "object",
        SymbolKind.Implementation => "impl",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
