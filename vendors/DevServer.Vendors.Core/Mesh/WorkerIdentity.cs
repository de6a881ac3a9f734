namespace DevServer.Vendors.Core.Mesh;

/// <summary>
/// Who this worker process is to the orchestrator: an id chosen once per process and kept across reconnects (so
/// the orchestrator recognises it and its assignments after a dropped connection), and its software version.
/// </summary>
internal sealed record WorkerIdentity(string WorkerId, string Version);
