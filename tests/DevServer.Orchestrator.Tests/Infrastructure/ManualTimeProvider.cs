namespace DevServer.Orchestrator.Tests.Infrastructure;

/// <summary>A clock that moves only when a test says so (Microsoft.Extensions.TimeProvider.Testing does not restore here).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _lock = new();
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_lock)
        {
            _now += by;
        }
    }
}
