namespace DevServer.RepoInsight;

/// <summary>
/// Decides the verifier's stage commands: the repository's settings where they give one, otherwise commands detected
/// from the repository's own files (docs/repo-map.md lists the rules). Sources are tried in order and the first that
/// yields a stage wins it: the AGENTS.md build/test/lint sections (the authors' own words), the Makefile's targets
/// (the authors' wrapper), then the ecosystems' manifests (package.json, .sln/.csproj, Cargo.toml, go.mod, Python,
/// CMake, Maven, Gradle).
/// </summary>
public static class VerificationDetector
{
    private static readonly VerificationStage[] Stages = [VerificationStage.Pre, VerificationStage.Build, VerificationStage.Test, VerificationStage.Lint];

    /// <summary>The stage commands for the repository at <paramref name="root"/>.</summary>
    /// <param name="root">The repository's root folder.</param>
    /// <param name="settings">The repository's configured commands; null: detect every stage.</param>
    public static DetectedStages Detect(string root, StageOverrides? settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var candidates = Candidates(new RepositoryFolder(root));
        var chosen = Stages.Select(stage => Choose(stage, settings?.For(stage), candidates)).ToArray();
        return new DetectedStages(chosen[0], chosen[1], chosen[2], chosen[3], candidates);
    }

    /// <summary>Every command the detectors find, in priority order.</summary>
    internal static IReadOnlyList<DetectedCommand> Candidates(RepositoryFolder repository)
    {
        var candidates = new List<DetectedCommand>();
        candidates.AddRange(GuidanceCommands.Detect(repository));
        candidates.AddRange(EcosystemCommands.Makefile(repository));
        candidates.AddRange(EcosystemCommands.Node(repository));
        candidates.AddRange(EcosystemCommands.DotNet(repository));
        candidates.AddRange(EcosystemCommands.Rust(repository));
        candidates.AddRange(EcosystemCommands.Go(repository));
        candidates.AddRange(EcosystemCommands.Python(repository));
        candidates.AddRange(EcosystemCommands.CMake(repository));
        candidates.AddRange(EcosystemCommands.Maven(repository));
        candidates.AddRange(EcosystemCommands.Gradle(repository));
        return candidates;
    }

    private static StageCommand Choose(VerificationStage stage, string? configured, IReadOnlyList<DetectedCommand> candidates)
    {
        if (configured is not null)
        {
            return string.IsNullOrWhiteSpace(configured)
                ? new StageCommand(stage, null, StageOrigin.Settings, "set to nothing in the repository's settings")
                : new StageCommand(stage, configured.Trim(), StageOrigin.Settings, "the repository's settings");
        }

        return candidates.FirstOrDefault(c => c.Stage == stage) is { } detected
            ? new StageCommand(stage, detected.Command, StageOrigin.Detected, detected.Reason)
            : new StageCommand(stage, null, StageOrigin.None, "not set, and nothing detected");
    }
}

/// <summary>Reads files of a repository's root (missing files read as null).</summary>
internal sealed class RepositoryFolder(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public bool Exists(string relative) => File.Exists(Path.Combine(Root, relative));

    public string? Read(string relative)
    {
        var path = Path.Combine(Root, relative);
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Root files matching <paramref name="pattern"/>, sorted.</summary>
    public IReadOnlyList<string> Files(string pattern) =>
        Directory.Exists(Root) ? [.. Directory.EnumerateFiles(Root, pattern).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)] : [];
}
