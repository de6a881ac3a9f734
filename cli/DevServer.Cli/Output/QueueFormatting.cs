using System.Globalization;
using DevServer.Contracts.Queue.V1;

namespace DevServer.Cli.Output;

/// <summary>The queue and the workers as people read them.</summary>
internal static class QueueFormatting
{
    /// <summary><c>Queue: running, concurrency 2, 1 queued, 1 active</c>.</summary>
    public static string State(QueueState queue) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"Queue: {(queue.Paused ? "paused" : "dispatching")}, concurrency {queue.MaxConcurrency}, {queue.Queued} queued, {queue.Active} active\n");

    public static string Workers(IEnumerable<Worker> workers, TimeZoneInfo zone)
    {
        var table = new Table("NAME", "KIND", "VENDOR", "MODELS", "ACTIVE", "STATE", "LAST SEEN", "ID");
        foreach (var worker in workers)
        {
            table.Add(
                worker.Name,
                worker.Kind,
                Words.OrDash(worker.Vendor),
                worker.Models.Count == 0 ? "-" : string.Join(',', worker.Models),
                string.Create(CultureInfo.InvariantCulture, $"{worker.Active}/{worker.Capacity}"),
                worker.Connected ? "connected" : "gone",
                Words.DateTime(worker.LastSeenAt, zone),
                worker.Id);
        }

        return table.Count == 0 ? "No workers.\n" : table.ToString();
    }
}
