namespace DevServer.Cli.Watching;

/// <summary>How a broken event stream is reopened: growing pauses, and a limit on how long to keep trying.</summary>
/// <param name="FirstDelay">The pause before the first retry.</param>
/// <param name="MaxDelay">The longest pause between retries.</param>
/// <param name="GiveUpAfter">How long to keep retrying without receiving anything before failing.</param>
internal sealed record ReconnectPolicy(TimeSpan FirstDelay, TimeSpan MaxDelay, TimeSpan GiveUpAfter)
{
    /// <summary>Rides out an orchestrator restart (seconds) without hammering it; gives up after two minutes.</summary>
    public static ReconnectPolicy Default { get; } = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2));

    public TimeSpan DelayAfter(int failures)
    {
        var delay = FirstDelay * Math.Pow(2, Math.Min(failures - 1, 16));
        return delay < MaxDelay ? delay : MaxDelay;
    }
}
