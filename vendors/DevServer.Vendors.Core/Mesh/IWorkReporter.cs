using DevServer.Contracts.Mesh.V1;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>Sends an assignment's progress to the orchestrator.</summary>
public interface IWorkReporter
{
    /// <summary>
    /// Queues an event. The kit numbers it and stamps its time, keeps it until the orchestrator acknowledges
    /// it (resending after a reconnect) and never blocks the caller on the network.
    /// </summary>
    void Report(WorkEvent workEvent);
}
