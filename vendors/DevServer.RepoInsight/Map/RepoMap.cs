namespace DevServer.RepoInsight;

/// <summary>
/// The repository map: every file's definitions (<see cref="IndexAsync"/>), ranked, and rendered within a character
/// budget (<see cref="Render"/>); <see cref="BuildAsync"/> does both, through the per-commit cache when one is given.
/// </summary>
public static class RepoMap
{
    /// <summary>Indexes <paramref name="root"/>: lists its files (.gitignore applied), scans them, ranks them.</summary>
    public static async Task<RepositoryIndex> IndexAsync(string root, RepoMapOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"No folder at {root}.");
        }

        var (files, source) = await RepositoryFiles.ListAsync(root, options.RespectGitIgnore, options.SkipVendored, cancellationToken);
        var results = new FileSymbols?[files.Count];
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Math.Max(1, options.Parallelism) };
        await Task.Run(() => Parallel.For(0, files.Count, parallel, i => results[i] = ScanFile(root, files[i], options)), cancellationToken);

        var foldersWithReadme = new HashSet<string>(
            files.Where(f => Path.GetFileName(f).StartsWith("README", StringComparison.OrdinalIgnoreCase))
                .Select(f => f.Contains('/', StringComparison.Ordinal) ? f[..f.LastIndexOf('/')] : ""),
            StringComparer.Ordinal);
        var ranked = results.OfType<FileSymbols>()
            .Select(f => f with { Score = Math.Round(MapRanking.Score(f.Path, f.Symbols, foldersWithReadme), 2) })
            .OrderByDescending(f => f.Score)
            .ThenBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
        return new RepositoryIndex(ranked, source, files.Count);
    }

    /// <summary>
    /// Indexes (or takes from the cache) and renders. A git work tree with a commit and no uncommitted changes is
    /// cached under its commit and the index options in <see cref="RepoMapOptions.CacheDirectory"/>.
    /// </summary>
    public static async Task<RepositoryMap> BuildAsync(string root, RepoMapOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        root = Path.GetFullPath(root);
        var state = await GitTool.StateAsync(root, cancellationToken);
        var commit = state?.Commit;
        RepositoryIndex index;
        MapCacheOutcome outcome;
        if (options.CacheDirectory is null)
        {
            index = await IndexAsync(root, options, cancellationToken);
            outcome = MapCacheOutcome.NotRequested;
        }
        else if (state is null)
        {
            index = await IndexAsync(root, options, cancellationToken);
            outcome = MapCacheOutcome.NotAGitRepository;
        }
        else if (state.Value.Dirty)
        {
            index = await IndexAsync(root, options, cancellationToken);
            outcome = MapCacheOutcome.UncommittedChanges;
        }
        else
        {
            var cache = new MapCache(options.CacheDirectory);
            var key = MapCache.Key(root, state.Value.Commit, options);
            if (await cache.TryReadAsync(key, cancellationToken) is { } cached)
            {
                index = cached;
                outcome = MapCacheOutcome.Hit;
            }
            else
            {
                index = await IndexAsync(root, options, cancellationToken);
                await cache.WriteAsync(key, index, cancellationToken);
                outcome = MapCacheOutcome.Stored;
            }
        }

        var (text, shown, omitted) = Render(index, options.Budget, options.MaxSymbolsPerEntry);
        return new RepositoryMap(text, index, shown, omitted, outcome, commit);
    }

    /// <summary>
    /// The map as text: a heading, then one line per file in rank order (<c>path: kind name:line, …</c>), whole
    /// lines only, at most <paramref name="budget"/> characters with the footer that counts the files left out.
    /// </summary>
    public static (string Text, int FilesShown, int FilesOmitted) Render(RepositoryIndex index, int budget, int maxSymbolsPerEntry)
    {
        ArgumentNullException.ThrowIfNull(index);
        return MapRenderer.Render(index, budget, maxSymbolsPerEntry);
    }

    private static FileSymbols? ScanFile(string root, string path, RepoMapOptions options)
    {
        var language = SourceLanguages.ForPath(path);
        var manifest = language is null && MapRanking.IsManifest(path);
        if (language is null && !manifest)
        {
            return null;
        }

        if (options.SkipVendored && SkipRules.IsGeneratedName(Path.GetFileName(path)))
        {
            return null;
        }

        var full = Path.Combine(root, path);
        try
        {
            var info = new FileInfo(full);
            if (!info.Exists || info.Length > options.MaxFileBytes)
            {
                return null;
            }

            if (manifest)
            {
                return new FileSymbols(path, "misc", [], 0);
            }

            var text = File.ReadAllText(full);
            if (options.SkipVendored && SkipRules.HasGeneratedHeader(text))
            {
                return null;
            }

            return new FileSymbols(path, language!, SymbolScanner.Scan(language!, text), 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // a file that vanished or cannot be read is not part of the map
        }
    }
}
