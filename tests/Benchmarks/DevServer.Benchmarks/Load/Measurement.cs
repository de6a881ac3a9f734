namespace DevServer.Benchmarks.Load;

/// <summary>What is measured: unary calls, or the messages of server-streaming calls.</summary>
internal enum LoadMode
{
    Unary,
    Streaming,
}

/// <summary>One measurement of one contender.</summary>
/// <param name="PerSecond">Calls per second (unary) or messages per second (streaming).</param>
/// <param name="P50Milliseconds">Median call latency (unary only).</param>
/// <param name="P99Milliseconds">99th percentile call latency (unary only).</param>
/// <param name="Completed">Operations inside the window.</param>
/// <param name="Errors">Failed calls (any at all makes the run invalid).</param>
/// <param name="FirstError">The first failure, to say what went wrong.</param>
/// <param name="Costs">CPU and allocations per operation; null where the process cannot be sampled (grpc-js).</param>
internal sealed record Measurement(
    double PerSecond,
    double? P50Milliseconds,
    double? P99Milliseconds,
    long Completed,
    long Errors,
    string? FirstError,
    Costs? Costs)
{
    public static Measurement From(LoadOutcome outcome, Costs? costs) =>
        new(outcome.PerSecond, outcome.PercentileMilliseconds(0.5), outcome.PercentileMilliseconds(0.99), outcome.Completed, outcome.Errors, outcome.FirstError, costs);
}
