namespace DevServer.Orchestrator.Delivery;

/// <summary>Where and how verified work is delivered (section <c>Orchestrator:Delivery</c>).</summary>
internal sealed class DeliveryOptions
{
    public const string Section = "Orchestrator:Delivery";

    /// <summary>Clone caches and throw-away worktrees; empty means <c>&lt;data&gt;/delivery</c>. One per instance.</summary>
    public string Root { get; set; } = "";

    /// <summary>The committer of every delivered commit (a fixed identity keeps repeated deliveries' commit ids equal).</summary>
    public string CommitterName { get; set; } = "DevServer";

    public string CommitterEmail { get; set; } = "devserver@devserver.invalid";

    /// <summary>Waits after the 1st, 2nd, 3rd… transient failure in a row (forge outage, network); the last repeats.</summary>
    public IList<TimeSpan> RetryBackoff { get; } = [];

    /// <summary>Transient failures in a row after which the task is blocked instead of retried again.</summary>
    public int MaxRetries { get; set; } = 20;

    /// <summary>How long one delivery may hold its task before another instance may take it over (a crash).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the loop looks for delivering tasks without being woken (retries, expired leases).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Per-request timeout of the forge clients.</summary>
    public TimeSpan ForgeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one git command (fetch, push, am, rebase…) may run before it is stopped and retried later.</summary>
    public TimeSpan GitCommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>An http(s) transfer below <see cref="GitStallBytesPerSecond"/> for this long is given up by git itself.</summary>
    public TimeSpan GitStallTime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The transfer rate under which git counts an http(s) transfer as stalled.</summary>
    public int GitStallBytesPerSecond { get; set; } = 1000;

    /// <summary>Fallback forge tokens per host (<c>Orchestrator:Delivery:ForgeTokens:&lt;host&gt;</c>), used when a repository has none.</summary>
    public IDictionary<string, string> ForgeTokens { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>How often the cleanup job runs.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Worktrees and temporary files older than this are leftovers of a crash.</summary>
    public TimeSpan WorktreeMaxAge { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Clone caches not used for this long are removed.</summary>
    public TimeSpan CacheMaxAge { get; set; } = TimeSpan.FromDays(14);

    /// <summary>The cap on worktrees and caches together: the least recently used go first until everything fits.</summary>
    public long MaxCacheBytes { get; set; } = 20L * 1024 * 1024 * 1024;

    /// <summary>The back-off steps, with the documented default (30 s, 2 min, 10 min) when none are configured.</summary>
    public IReadOnlyList<TimeSpan> BackoffSteps =>
        RetryBackoff.Count > 0 ? [.. RetryBackoff] : [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10)];

    /// <summary>The longest wait a forge's own retry advice (a rate limit's reset) may impose: a bogus header cannot park a task for days.</summary>
    public static readonly TimeSpan MaxForgeRetryAfter = TimeSpan.FromHours(1);

    /// <summary>
    /// The wait after the <paramref name="failures"/>th transient failure in a row: the back-off step, or longer when
    /// the forge said when to come back (a rate limit's Retry-After or reset time), up to <see cref="MaxForgeRetryAfter"/>.
    /// </summary>
    public TimeSpan RetryDelay(int failures, TimeSpan? forgeRetryAfter = null)
    {
        var step = BackoffSteps[Math.Clamp(failures - 1, 0, BackoffSteps.Count - 1)];
        return forgeRetryAfter is { } asked && asked > step ? (asked < MaxForgeRetryAfter ? asked : MaxForgeRetryAfter) : step;
    }

    public static bool IsValid(DeliveryOptions options) =>
        options.CommitterName.Trim().Length > 0
        && options.CommitterEmail.Contains('@', StringComparison.Ordinal)
        && options.Lease >= TimeSpan.FromSeconds(5)
        && options.PollInterval > TimeSpan.Zero
        && options.ForgeTimeout > TimeSpan.Zero
        && options.GitCommandTimeout > TimeSpan.Zero
        && options.GitStallTime >= TimeSpan.FromSeconds(1)
        && options.GitStallBytesPerSecond >= 1
        && options.CleanupInterval > TimeSpan.Zero
        && options.WorktreeMaxAge > TimeSpan.Zero
        && options.CacheMaxAge > TimeSpan.Zero
        && options.MaxCacheBytes > 0
        && options.MaxRetries is >= 0 and <= 1000
        && options.RetryBackoff.All(step => step > TimeSpan.Zero && step < TimeSpan.FromDays(1));

    public const string Requirement =
        $"{Section}: CommitterName must not be empty, CommitterEmail must be an address, Lease at least 5 s, PollInterval, " +
        "ForgeTimeout, GitCommandTimeout, CleanupInterval, WorktreeMaxAge, CacheMaxAge and MaxCacheBytes positive, GitStallTime at least 1 s, " +
        "GitStallBytesPerSecond at least 1, MaxRetries 0–1000, every RetryBackoff step positive and under a day.";
}
