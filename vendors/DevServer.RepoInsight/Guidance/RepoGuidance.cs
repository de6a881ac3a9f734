using System.Globalization;
using System.Text;

namespace DevServer.RepoInsight;

/// <summary>One guidance file that was read.</summary>
/// <param name="Path">Relative to the repository root.</param>
/// <param name="Characters">Its length.</param>
/// <param name="IncludedCharacters">How much of it is in the text (0 when it did not fit at all).</param>
/// <param name="Skipped">Why it is not in the text at all (a duplicate of an earlier file), or null.</param>
public sealed record GuidanceFile(string Path, int Characters, int IncludedCharacters, string? Skipped = null)
{
    public bool Truncated => Skipped is null && IncludedCharacters < Characters;
}

/// <summary>The repository's instructions for agents, combined.</summary>
/// <param name="Text">Each file under a "## path" heading, in priority order, within the budget.</param>
/// <param name="Files">Every file found, in priority order.</param>
public sealed record RepositoryGuidance(string Text, IReadOnlyList<GuidanceFile> Files)
{
    public bool Truncated => Files.Any(f => f.Truncated);
}

/// <summary>
/// Collects what a repository tells agents: AGENTS.md (the nearest to the working folder first), CLAUDE.md,
/// GEMINI.md, .github/copilot-instructions.md, .github/instructions/*.instructions.md, .cursorrules,
/// .cursor/rules/*.md(c), .windsurfrules, .clinerules, CONVENTIONS.md, and last CONTRIBUTING.md.
/// </summary>
public static class RepoGuidance
{
    public const int DefaultBudget = 8_000;

    private static readonly string[] RootFiles =
    [
        "AGENTS.md", "CLAUDE.md", "GEMINI.md", ".github/copilot-instructions.md",
    ];

    private static readonly string[] LaterRootFiles = [".cursorrules", ".windsurfrules", ".clinerules", "CONVENTIONS.md"];

    /// <summary>The guidance files of <paramref name="root"/>, in the order they are combined.</summary>
    /// <param name="root">The repository.</param>
    /// <param name="workingFolder">
    /// A folder inside the repository (relative) where the work happens: AGENTS.md files between it and the root
    /// come first, nearest first. Null: the root's only.
    /// </param>
    public static IReadOnlyList<string> Find(string root, string? workingFolder)
    {
        var found = new List<string>();
        if (!string.IsNullOrEmpty(workingFolder))
        {
            var folder = workingFolder.Replace('\\', '/').Trim('/');
            while (folder.Length > 0)
            {
                var candidate = folder + "/AGENTS.md";
                if (File.Exists(Path.Combine(root, candidate)))
                {
                    found.Add(candidate);
                }

                folder = folder.Contains('/', StringComparison.Ordinal) ? folder[..folder.LastIndexOf('/')] : "";
            }
        }

        found.AddRange(RootFiles.Where(f => File.Exists(Path.Combine(root, f))));
        found.AddRange(Listed(root, ".github/instructions", "*.instructions.md"));
        found.AddRange(LaterRootFiles.Where(f => File.Exists(Path.Combine(root, f))));
        found.AddRange(Listed(root, ".cursor/rules", "*.md").Concat(Listed(root, ".cursor/rules", "*.mdc")).Order(StringComparer.Ordinal));
        if (File.Exists(Path.Combine(root, "CONTRIBUTING.md")))
        {
            found.Add("CONTRIBUTING.md");
        }
        else if (File.Exists(Path.Combine(root, ".github/CONTRIBUTING.md")))
        {
            found.Add(".github/CONTRIBUTING.md");
        }

        return found;
    }

    /// <summary>
    /// Reads the guidance files and combines them within <paramref name="budget"/> characters: each under a heading
    /// with its path, in priority order; a file that does not fit whole is cut at a line break and marked, and the
    /// files after it are named with "(not included: budget)" while that fits. A file with the same content as an
    /// earlier one (CLAUDE.md as a copy or link of AGENTS.md) is left out.
    /// </summary>
    public static async Task<RepositoryGuidance> CollectAsync(string root, int budget, string? workingFolder, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var files = new List<GuidanceFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Once a file had to be cut, lower-priority files are not squeezed into what is left.
        var full = false;
        foreach (var path in Find(root, workingFolder))
        {
            var content = (await File.ReadAllTextAsync(Path.Combine(root, path), cancellationToken)).Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
            if (content.Length == 0)
            {
                continue;
            }

            if (!seen.Add(content))
            {
                files.Add(new GuidanceFile(path, content.Length, 0, "same content as an earlier file"));
                continue;
            }

            var heading = (text.Length > 0 ? "\n" : "") + "## " + path + "\n";
            var room = budget - text.Length - heading.Length;
            if (!full && room >= content.Length + 1)
            {
                text.Append(heading).Append(content).Append('\n');
                files.Add(new GuidanceFile(path, content.Length, content.Length));
                continue;
            }

            var marker = string.Create(CultureInfo.InvariantCulture, $"… (truncated: {content.Length} of {content.Length} characters)\n");
            var cut = full ? 0 : CutAtLine(content, room - marker.Length - 1);
            full = true;
            if (cut > 0)
            {
                text.Append(heading).Append(content.AsSpan(0, cut)).Append('\n').Append(CultureInfo.InvariantCulture, $"… (truncated: {cut} of {content.Length} characters)\n");
                files.Add(new GuidanceFile(path, content.Length, cut));
                continue;
            }

            var note = heading + "(not included: budget)\n";
            if (text.Length + note.Length <= budget)
            {
                text.Append(note);
            }

            files.Add(new GuidanceFile(path, content.Length, 0));
        }

        return new RepositoryGuidance(text.ToString(), files);
    }

    // The longest prefix of whole lines within max characters (0 when not even one line fits).
    private static int CutAtLine(string content, int max)
    {
        if (max <= 0)
        {
            return 0;
        }

        var cut = content.LastIndexOf('\n', Math.Min(max, content.Length - 1));
        return cut < 0 ? 0 : cut;
    }

    private static IEnumerable<string> Listed(string root, string folder, string pattern)
    {
        var full = Path.Combine(root, folder);
        return Directory.Exists(full)
            ? Directory.EnumerateFiles(full, pattern).Select(f => folder + "/" + Path.GetFileName(f)).Order(StringComparer.Ordinal)
            : [];
    }
}
