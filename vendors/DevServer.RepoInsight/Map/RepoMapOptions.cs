namespace DevServer.RepoInsight;

/// <summary>What goes into a repository map and how it is rendered.</summary>
public sealed record RepoMapOptions
{
    /// <summary>The map's text is at most this many characters (whole entries only).</summary>
    public int Budget { get; init; } = 4_000;

    /// <summary>At most this many symbols per file's entry; the rest are counted ("+N more").</summary>
    public int MaxSymbolsPerEntry { get; init; } = 12;

    /// <summary>Apply .gitignore files (nested ones too) and .git/info/exclude. Off only for benchmarks.</summary>
    public bool RespectGitIgnore { get; init; } = true;

    /// <summary>Skip vendored, generated and tool folders and files (docs/repo-map.md). Off only for benchmarks.</summary>
    public bool SkipVendored { get; init; } = true;

    /// <summary>Larger files are left out: generated data, bundles and dumps, not code someone reads.</summary>
    public long MaxFileBytes { get; init; } = 256 * 1024;

    /// <summary>Where maps of clean commits are kept between calls; null: no cache.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Files scanned at once.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Everything the index depends on (not the budget: rendering is cheap and done per call).</summary>
    internal string IndexFingerprint => $"v1;ignore={RespectGitIgnore};vendored={SkipVendored};max={MaxFileBytes}";
}

/// <summary>Whether a map came from the cache, and if not, why.</summary>
public enum MapCacheOutcome
{
    /// <summary>No cache folder was given.</summary>
    NotRequested,

    /// <summary>Served from the cache: same commit, same options.</summary>
    Hit,

    /// <summary>Built and stored for the next call.</summary>
    Stored,

    /// <summary>Not a git work tree (or no commit yet): nothing identifies the content, so nothing is cached.</summary>
    NotAGitRepository,

    /// <summary>The work tree has uncommitted changes: the commit does not describe the content, so nothing is cached.</summary>
    UncommittedChanges,
}

/// <summary>Every indexed file of a repository, most informative first.</summary>
/// <param name="Files">Ranked (see docs/repo-map.md).</param>
/// <param name="Source">How the file list was made.</param>
/// <param name="FilesSeen">Files listed before the language, size and generated-file filters.</param>
public sealed record RepositoryIndex(IReadOnlyList<FileSymbols> Files, FileListSource Source, int FilesSeen)
{
    public int SymbolCount => Files.Sum(f => f.Symbols.Count);
}

/// <summary>A rendered map.</summary>
/// <param name="Text">The text for a prompt, within the budget.</param>
/// <param name="Index">What it was rendered from.</param>
/// <param name="FilesShown">Entries in <paramref name="Text"/>.</param>
/// <param name="FilesOmitted">Indexed files left out for the budget.</param>
/// <param name="Cache">Where it came from.</param>
/// <param name="Commit">The commit it describes, when known.</param>
public sealed record RepositoryMap(string Text, RepositoryIndex Index, int FilesShown, int FilesOmitted, MapCacheOutcome Cache, string? Commit);
