namespace DevServer.Delivery.Git;

/// <summary>Where delivery keeps its clone caches and checkouts, who its commits say made them, and how long git may take.</summary>
public sealed record GitDeliveryOptions(string Root)
{
    public string CommitterName { get; init; } = "DevServer";

    public string CommitterEmail { get; init; } = "devserver@devserver.invalid";

    /// <summary>
    /// The longest one git command may run before it is stopped (its whole process tree) and the delivery reported as a
    /// retryable failure. A server that accepts a connection and never answers would otherwise hold the one delivery
    /// loop forever. Generous: a first fetch of a large repository is one command.
    /// </summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// An http(s) transfer that stays below <see cref="StallBytesPerSecond"/> for this long is given up by git itself
    /// (<c>http.lowSpeedTime</c>, whole seconds), usually well before <see cref="CommandTimeout"/>.
    /// </summary>
    public TimeSpan StallTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The transfer rate under which an http(s) transfer counts as stalled (<c>http.lowSpeedLimit</c>).</summary>
    public int StallBytesPerSecond { get; init; } = 1000;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Root);
        if (CommandTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CommandTimeout), CommandTimeout, "A git command timeout must be positive.");
        }

        if (StallTime < TimeSpan.FromSeconds(1) || StallBytesPerSecond < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(StallTime), StallTime, "The stall time must be at least 1 s and the stall rate at least 1 byte/s.");
        }
    }
}
