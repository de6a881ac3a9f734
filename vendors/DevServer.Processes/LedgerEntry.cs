using System.Text.Json;
using System.Text.Json.Serialization;

namespace DevServer.Processes;

/// <summary>
/// One child in a <see cref="ProcessGroupLedger"/>: the file <c>&lt;Group&gt;.json</c>. Written just before the child
/// starts (no leader yet: a worker killed at that moment leaves a child found by its marker alone) and again once it
/// runs, with its pid, which is also its process group and session id.
/// </summary>
/// <param name="Group">The child's marker value (<c>DEVSERVER_PROCESS_GROUP</c>) and the file's name.</param>
/// <param name="BootId">The boot the entry was written in: pids and start times mean nothing in another.</param>
/// <param name="OwnerId">The worker that started the child.</param>
/// <param name="OwnerStartTime">The worker's start time (clock ticks since boot), so a reused pid is not taken for it.</param>
/// <param name="LeaderId">The child's pid, process group and session id; null until it has started.</param>
/// <param name="LeaderStartTime">The child's start time (field 22 of /proc/&lt;pid&gt;/stat); null until it has started.</param>
internal sealed record LedgerEntry(
    Guid Group,
    string BootId,
    int OwnerId,
    ulong OwnerStartTime,
    int? LeaderId = null,
    ulong? LeaderStartTime = null)
{
    public const string Extension = ".json";

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, LedgerEntryJson.Default.LedgerEntry);

    /// <summary>The entry in <paramref name="content"/>, or null when it is not one (garbage, cut short, missing fields).</summary>
    public static LedgerEntry? Parse(byte[] content, string fileName)
    {
        try
        {
            var entry = JsonSerializer.Deserialize(content, LedgerEntryJson.Default.LedgerEntry);
            return entry is not null
                && entry.Group != Guid.Empty
                && fileName == entry.Group.ToString("D") + Extension
                && !string.IsNullOrWhiteSpace(entry.BootId)
                && entry.OwnerId > 0
                && (entry.LeaderId is null) == (entry.LeaderStartTime is null)
                && entry.LeaderId is null or > 0
                ? entry
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(LedgerEntry))]
internal sealed partial class LedgerEntryJson : JsonSerializerContext;
