using DevServer.Contracts.Tasks.V1;
using DevServer.Pipeline.Testing;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Pipeline.Tests;

/// <summary>
/// A script agent that keeps talking through an outage (an orchestrator or its database killed under it): it writes a
/// file to say it started, prints <c>tick 1</c> to <c>tick 40</c> a tenth of a second apart, then changes
/// greeting.txt. The checks say that the outage lost and duplicated nothing.
/// </summary>
internal static class TalkingAgent
{
    private const int Lines = 40;

    public static string Command(string startedFile) =>
        $"touch {startedFile}; for i in $(seq 1 {Lines}); do echo tick $i; sleep 0.1; done; echo 'Hello from the agent' >> greeting.txt";

    /// <summary>
    /// The task is done, once; its events are numbered without a gap; each attempt stored each line at most once, and
    /// the attempt that succeeded stored all of them, in order (a worker resends what was not acknowledged).
    /// </summary>
    public static async Task AssertEveryLineStoredOnceAsync(PipelineHost host, GetTaskResponse finished, CancellationToken cancellationToken)
    {
        Assert.Equal(TaskStatus.Done, finished.Task.Status);
        var events = await host.ReadEventsAsync(finished.Task.Id, cancellationToken);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Single(events, e => e.StatusChanged?.To == TaskStatus.Done);
        var ticks = events.Where(e => e.OutputLine is not null && e.OutputLine.Text.StartsWith("tick ", StringComparison.Ordinal)).ToList();
        Assert.All(ticks.GroupBy(e => (e.Attempt, e.OutputLine.Text)), group => Assert.Single(group));
        var succeeded = Assert.Single(finished.Runs, r => r.Outcome == RunOutcome.Succeeded);
        Assert.Equal(
            Enumerable.Range(1, Lines).Select(i => $"tick {i}"),
            ticks.Where(e => e.Attempt == succeeded.Attempt).Select(e => e.OutputLine.Text));
    }
}
