using System.Text.Json;
using DevServer.Delivery.Git;
using Contract = DevServer.Contracts.Tasks.V1;

namespace DevServer.Orchestrator.Delivery;

/// <summary>Diff statistics as stored (<c>runs.diff_statistics</c>, JSON) and as sent (GetTaskPatch).</summary>
internal static class DiffStatisticsJson
{
    public static string Serialize(DiffStatistics statistics) =>
        JsonSerializer.Serialize(statistics.Files.Select(f => new StoredFile(f.Path, f.Insertions, f.Deletions, f.Binary)).ToArray());

    public static Contract.DiffStatistics ToMessage(string json)
    {
        var files = JsonSerializer.Deserialize<StoredFile[]>(json) ?? [];
        var message = new Contract.DiffStatistics
        {
            FilesChanged = files.Length,
            Insertions = files.Sum(f => f.Insertions),
            Deletions = files.Sum(f => f.Deletions),
        };
        message.Files.AddRange(files.Select(f => new Contract.FileStatistics
        {
            Path = f.Path,
            Insertions = f.Insertions,
            Deletions = f.Deletions,
            Binary = f.Binary,
        }));
        return message;
    }

    private sealed record StoredFile(string Path, int Insertions, int Deletions, bool Binary);
}
