using System.Collections.Concurrent;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Vendors.Core.Mesh;

namespace DevServer.Vendors.Script.Tests;

/// <summary>Keeps what a handler reports, for the test to read (the kit's numbering is tested with the kit).</summary>
internal sealed class RecordingReporter : IWorkReporter
{
    private readonly ConcurrentQueue<WorkEvent> _events = new();

    public IReadOnlyList<WorkEvent> Events => [.. _events];

    public IReadOnlyList<OutputLine> Lines(OutputSource source) =>
        [.. _events.Where(e => e.OutputLine?.Source == source).Select(e => e.OutputLine)];

    public void Report(WorkEvent workEvent) => _events.Enqueue(workEvent);
}
