namespace DevServer.Orchestrator.Scheduling;

/// <summary>How the orchestrator paces dispatch, retries, timeouts and sweeps (section <c>Orchestrator:Scheduling</c>).</summary>
internal sealed class SchedulingOptions
{
    public const string Section = "Orchestrator:Scheduling";

    /// <summary>How often queued work is looked at even when nothing asked for it (after a crash, a missed wake-up).</summary>
    public TimeSpan DispatchBackstopInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often lost workers and overdue assignments are swept.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The wait before the first retry of a failed attempt; it doubles with each further attempt.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait before a retry.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long past an attempt's time limit the orchestrator waits for the sidecar's own timeout result before it
    /// times the attempt out itself.
    /// </summary>
    public TimeSpan AttemptTimeoutGrace { get; set; } = TimeSpan.FromSeconds(30);

    public static string? Validate(SchedulingOptions options)
    {
        static bool Positive(TimeSpan value) => value > TimeSpan.Zero && value < TimeSpan.FromDays(1);
        if (!Positive(options.DispatchBackstopInterval) || !Positive(options.SweepInterval) || !Positive(options.RetryDelay)
            || !Positive(options.MaxRetryDelay) || options.AttemptTimeoutGrace < TimeSpan.Zero)
        {
            return $"{Section}: intervals and delays must be positive and under a day.";
        }

        return options.MaxRetryDelay < options.RetryDelay ? $"{Section}:MaxRetryDelay must not be shorter than RetryDelay." : null;
    }

    /// <summary>The wait before the attempt after <paramref name="attemptsUsed"/> failed ones.</summary>
    public TimeSpan RetryDelayAfter(int attemptsUsed)
    {
        var factor = Math.Pow(2, Math.Clamp(attemptsUsed - 1, 0, 20));
        var delay = TimeSpan.FromTicks((long)Math.Min(RetryDelay.Ticks * factor, MaxRetryDelay.Ticks));
        return delay;
    }
}
