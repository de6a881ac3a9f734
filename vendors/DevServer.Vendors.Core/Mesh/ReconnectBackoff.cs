namespace DevServer.Vendors.Core.Mesh;

/// <summary>
/// The pause before the next connection attempt: starts at the minimum, doubles up to the maximum, and is reset once
/// the orchestrator welcomes the worker. A little jitter keeps the workers of a restarted orchestrator from
/// reconnecting in lockstep.
/// </summary>
internal sealed class ReconnectBackoff(ReconnectDelayOptions delays)
{
    private TimeSpan _next = delays.Min;

    public TimeSpan Next()
    {
        var delay = _next;
        _next = delay * 2 < delays.Max ? delay * 2 : delays.Max;
#pragma warning disable CA5394 // Jitter, not security: a predictable generator is fine.
        var jittered = delay * (0.8 + (0.4 * Random.Shared.NextDouble()));
#pragma warning restore CA5394
        return jittered < delays.Max ? jittered : delays.Max;
    }

    public void Reset() => _next = delays.Min;
}
