using System.Text;
using ProtoLogLevel = DevServer.Contracts.Logs.V1.LogLevel;

namespace DevServer.Orchestrator.Logs;

/// <summary>One entry on its way to <c>log_entries</c>; its level is stored as the contract's number (1 trace … 6 critical).</summary>
internal sealed record PendingLogEntry(DateTimeOffset At, ProtoLogLevel Level, string Source, string Category, string Message, string Exception)
{
    /// <summary>The source of this orchestrator's own entries.</summary>
    public static string OrchestratorSource(string instanceId) => $"orchestrator {instanceId}";

    /// <summary>The source of a worker's entries: the id of the connection they came on.</summary>
    public static string WorkerSource(string workerId) => $"worker {workerId}";

    /// <summary>Microsoft.Extensions.Logging's levels are the contract's, one lower.</summary>
    public static ProtoLogLevel ToProto(LogLevel level) => level is >= LogLevel.Trace and <= LogLevel.Critical
        ? (ProtoLogLevel)((int)level + 1)
        : ProtoLogLevel.Critical;

    /// <summary>
    /// Text PostgreSQL can store: no NUL characters and no unpaired surrogates (which strict UTF-8 encoding refuses),
    /// cut to <paramref name="maxChars"/>.
    /// </summary>
    public static string Storable(string? text, int maxChars)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        if (text.Length > maxChars)
        {
            text = text[..maxChars];
        }

        var span = text.AsSpan();
        if (span.IndexOf('\0') < 0 && span.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            return text;
        }

        // Rare: rune enumeration turns unpaired surrogates into U+FFFD; NUL becomes U+FFFD too.
        var cleaned = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            cleaned.Append((rune.Value == 0 ? Rune.ReplacementChar : rune).ToString());
        }

        return cleaned.ToString();
    }
}
