namespace DevServer.Orchestrator.Hosting;

/// <summary>
/// This orchestrator process among those sharing the database: the mesh records which instance holds each worker's
/// stream, so assignments are pushed by the instance that can reach the worker.
/// </summary>
internal sealed class OrchestratorInstance
{
    public string Id { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
}
