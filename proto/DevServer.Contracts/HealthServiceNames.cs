namespace DevServer.Contracts;

/// <summary>
/// The service names the orchestrator reports in <c>grpc.health.v1.Health</c> besides the whole server's (the empty
/// name), for clients, probes and monitoring that look at one part.
/// </summary>
public static class HealthServiceNames
{
    /// <summary>SERVING while the orchestrator can reach its database, NOT_SERVING while it cannot.</summary>
    public const string Database = "devserver.database";
}
