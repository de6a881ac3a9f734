namespace DevServer.RepoInsight;

/// <summary>The verifier's stages, in the order they run.</summary>
public enum VerificationStage
{
    Pre,
    Build,
    Test,
    Lint,
}

/// <summary>
/// Stage commands from a repository's settings. Null: not set, detect it. Empty or whitespace: set to nothing, the
/// stage is skipped (and not detected).
/// </summary>
public sealed record StageOverrides(string? Pre = null, string? Build = null, string? Test = null, string? Lint = null)
{
    public string? For(VerificationStage stage) => stage switch
    {
        VerificationStage.Pre => Pre,
        VerificationStage.Build => Build,
        VerificationStage.Test => Test,
        VerificationStage.Lint => Lint,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };
}

/// <summary>One command detection found for a stage.</summary>
/// <param name="Stage">The stage it is for.</param>
/// <param name="Command">A shell command line, run in the repository root.</param>
/// <param name="Reason">Where it came from, e.g. <c>package.json script "test"</c>.</param>
public sealed record DetectedCommand(VerificationStage Stage, string Command, string Reason);

/// <summary>Where a stage's command came from.</summary>
public enum StageOrigin
{
    /// <summary>The repository's settings (a command, or explicitly none).</summary>
    Settings,

    /// <summary>Detected from the repository's files.</summary>
    Detected,

    /// <summary>Neither: the stage is skipped.</summary>
    None,
}

/// <summary>What one stage will run, and why.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Command">The command line, or null when the stage is skipped.</param>
/// <param name="Origin">Settings, detection or none.</param>
/// <param name="Reason">Why this command (or why none).</param>
public sealed record StageCommand(VerificationStage Stage, string? Command, StageOrigin Origin, string Reason);

/// <summary>The four stages' commands, and every candidate detection found (the chosen ones first per stage).</summary>
public sealed record DetectedStages(StageCommand Pre, StageCommand Build, StageCommand Test, StageCommand Lint, IReadOnlyList<DetectedCommand> Candidates)
{
    /// <summary>The stages in run order.</summary>
    public IReadOnlyList<StageCommand> All => [Pre, Build, Test, Lint];

    public StageCommand For(VerificationStage stage) => stage switch
    {
        VerificationStage.Pre => Pre,
        VerificationStage.Build => Build,
        VerificationStage.Test => Test,
        VerificationStage.Lint => Lint,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };
}
