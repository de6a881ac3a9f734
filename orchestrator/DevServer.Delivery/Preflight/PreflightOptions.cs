namespace DevServer.Delivery.Preflight;

/// <summary>What the preflight gate checks, per repository. The defaults are the safe ones.</summary>
public sealed record PreflightOptions
{
    /// <summary>Which paths a delivery may touch.</summary>
    public PathRuleOptions Paths { get; init; } = new();

    /// <summary>Who may author the delivered commits; no restriction when both lists are empty.</summary>
    public IdentityRuleOptions Identity { get; init; } = new();

    /// <summary>How big a delivery may be.</summary>
    public SizeLimitOptions Limits { get; init; } = new();

    /// <summary>
    /// Shannon entropy (bits per character) from which a value assigned to a secret-like name counts as a secret.
    /// Random base64 of 20+ characters scores about 4; hex about 3.7; words and placeholders stay well below 3.5.
    /// </summary>
    public double EntropyThreshold { get; init; } = 3.5;

    /// <summary>The shortest value the entropy rule looks at.</summary>
    public int MinimumSecretLength { get; init; } = 20;
}

/// <summary>Path rules: a deny-list (globs), lock files (denied unless allowed) and an optional allow-list.</summary>
public sealed record PathRuleOptions
{
    /// <summary>CI definitions: a change there runs code with the repository's secrets before anyone reviews it.</summary>
    public static readonly IReadOnlyList<string> DefaultDenied =
    [
        ".github/workflows/**",
        ".gitea/workflows/**",
        ".forgejo/workflows/**",
        ".gitlab-ci.yml",
    ];

    /// <summary>Lock files: agents regenerate them wholesale, which hides dependency changes in noise.</summary>
    public static readonly IReadOnlyList<string> DefaultLockFiles =
    [
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "packages.lock.json",
        "Cargo.lock",
        "poetry.lock",
        "Pipfile.lock",
        "Gemfile.lock",
        "composer.lock",
        "go.sum",
    ];

    /// <summary>Globs no delivered change may touch (a pattern without '/' matches a file name in any folder).</summary>
    public IReadOnlyList<string> Denied { get; init; } = DefaultDenied;

    /// <summary>Lock-file globs, denied unless <see cref="AllowLockFiles"/>.</summary>
    public IReadOnlyList<string> LockFiles { get; init; } = DefaultLockFiles;

    /// <summary>True when the repository accepts lock-file changes.</summary>
    public bool AllowLockFiles { get; init; }

    /// <summary>When set, every touched path must match one of these globs.</summary>
    public IReadOnlyList<string>? Allowed { get; init; }
}

/// <summary>Expected commit authors: exact e-mail addresses and/or domains (case-insensitive).</summary>
public sealed record IdentityRuleOptions
{
    public IReadOnlyList<string> AllowedEmails { get; init; } = [];

    public IReadOnlyList<string> AllowedDomains { get; init; } = [];
}

/// <summary>Size limits of one delivery.</summary>
public sealed record SizeLimitOptions
{
    /// <summary>The whole series (the mbox), in bytes.</summary>
    public long MaxSeriesBytes { get; init; } = 5 * 1024 * 1024;

    /// <summary>Distinct paths touched by the series.</summary>
    public int MaxFilesChanged { get; init; } = 300;

    /// <summary>Bytes added to one file across the series (added text lines, or a binary file's literal size).</summary>
    public long MaxFileBytes { get; init; } = 1024 * 1024;
}
