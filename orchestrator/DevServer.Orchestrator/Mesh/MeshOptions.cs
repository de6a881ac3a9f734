namespace DevServer.Orchestrator.Mesh;

/// <summary>Worker leases (section <c>Orchestrator:Mesh</c>).</summary>
internal sealed class MeshOptions
{
    public const string Section = "Orchestrator:Mesh";

    /// <summary>How often workers send a heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a worker keeps its assignments without a heartbeat. Longer survives longer orchestrator restarts
    /// and network blips; shorter moves work off a dead worker sooner.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a new connection has to send its Hello.</summary>
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public const string Requirement =
        $"{Section}: HeartbeatInterval and HelloTimeout must be positive and LeaseDuration at least twice HeartbeatInterval.";

    public static bool IsValid(MeshOptions options) =>
        options.HeartbeatInterval > TimeSpan.Zero && options.LeaseDuration >= options.HeartbeatInterval * 2 && options.HelloTimeout > TimeSpan.Zero;
}
