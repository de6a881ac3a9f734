namespace DevServer.Processes;

/// <summary>What <see cref="ProcessGroupLedger.ReapLeftoversAsync"/> did.</summary>
/// <param name="Reaped">The groups of dead owners that still ran and were stopped.</param>
/// <param name="Unreadable">Entry files that were not entries; removed.</param>
public sealed record LeftoverReport(IReadOnlyList<ReapedGroup> Reaped, IReadOnlyList<UnreadableEntry> Unreadable);

/// <summary>A leftover group that was stopped.</summary>
/// <param name="ProcessId">Its leader's pid (or, when the leader had ended, the oldest process carrying its marker).</param>
/// <param name="CommandLine">That process's command line, cut short.</param>
/// <param name="RunningFor">How long that process had run.</param>
/// <param name="ProcessCount">How many processes were stopped.</param>
public sealed record ReapedGroup(int ProcessId, string CommandLine, TimeSpan RunningFor, int ProcessCount);

/// <summary>An entry file that could not be read as an entry, and was removed.</summary>
public sealed record UnreadableEntry(string Path, string Problem);
