using System.Collections.Concurrent;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Mesh;

namespace DevServer.Vendors.Core.Tests.Agents;

/// <summary>Keeps what a handler reports, for the test to read.</summary>
internal sealed class RecordingReporter : IWorkReporter
{
    private readonly ConcurrentQueue<WorkEvent> _events = new();

    public IReadOnlyList<WorkEvent> Events => [.. _events];

    public IReadOnlyList<OutputLine> Lines(OutputSource source) =>
        [.. _events.Where(e => e.OutputLine?.Source == source).Select(e => e.OutputLine)];

    public IReadOnlyList<string> AgentStdout => [.. Lines(OutputSource.Agent).Where(l => !l.Stderr).Select(l => l.Text)];

    public IReadOnlyList<AgentActivity> Activities => [.. _events.Where(e => e.AgentActivity is not null).Select(e => e.AgentActivity)];

    public IReadOnlyList<AgentActivity> Of(AgentActivity.KindOneofCase kind) => [.. Activities.Where(a => a.KindCase == kind)];

    public void Report(WorkEvent workEvent) => _events.Enqueue(workEvent);
}
