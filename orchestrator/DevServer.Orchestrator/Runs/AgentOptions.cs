namespace DevServer.Orchestrator.Runs;

/// <summary>Defaults for agent attempts and the pacing of vendor rate limits (section <c>Orchestrator:Agents</c>).</summary>
internal sealed class AgentOptions
{
    public const string Section = "Orchestrator:Agents";

    /// <summary>The turn limit of tasks that leave theirs unset (a task can choose "unlimited" explicitly).</summary>
    public int DefaultMaxTurns { get; set; } = 50;

    /// <summary>
    /// Waits after the 1st, 2nd, 3rd… rate-limited run in a row when the vendor does not say when its limit resets; the
    /// last one repeats. Rate-limited runs give their attempt back.
    /// </summary>
    public IList<TimeSpan> RateLimitBackoff { get; } = [];

    /// <summary>Rate-limited runs in a row that give their attempt back; the next one counts, so a task cannot wait forever.</summary>
    public int MaxRateLimitRetries { get; set; } = 10;

    /// <summary>
    /// A task with an unused backup vendor fails over instead of waiting when its vendor is paused longer than this (a
    /// weekly limit, say); shorter pauses are waited out.
    /// </summary>
    public TimeSpan MaxWaitForPausedVendor { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Up to this fraction of a backoff step is added at random, so tasks held by one limit do not return at once.</summary>
    public double RateLimitJitter { get; set; } = 0.2;

    /// <summary>The backoff steps, with the documented default (30 s, 60 s, 120 s) when none are configured.</summary>
    public IReadOnlyList<TimeSpan> BackoffSteps =>
        RateLimitBackoff.Count > 0 ? [.. RateLimitBackoff] : [TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120)];

    public static bool IsValid(AgentOptions options) =>
        options.DefaultMaxTurns is >= 1 and <= 10_000
        && options.RateLimitJitter is >= 0 and <= 1
        && options.MaxRateLimitRetries is >= 0 and <= 1000
        && options.MaxWaitForPausedVendor >= TimeSpan.Zero
        && options.RateLimitBackoff.All(step => step > TimeSpan.Zero && step < TimeSpan.FromDays(1));

    public const string Requirement =
        $"{Section}: DefaultMaxTurns must be 1–10000, RateLimitJitter 0–1, MaxRateLimitRetries 0–1000, MaxWaitForPausedVendor " +
        "not negative and every RateLimitBackoff step positive and under a day.";

    /// <summary>The wait after the <paramref name="streak"/>-th rate-limited run in a row, jitter included.</summary>
    public TimeSpan RateLimitDelay(int streak, double random)
    {
        var steps = BackoffSteps;
        var step = steps[Math.Clamp(streak - 1, 0, steps.Count - 1)];
        return step + (step * (RateLimitJitter * random));
    }
}
