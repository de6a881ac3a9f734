namespace DevServer.Processes;

/// <summary>A child's entry in a <see cref="ProcessGroupLedger"/>, from just before its start until it is let go.</summary>
internal sealed class ChildRecord(ProcessGroupLedger ledger, LedgerEntry entry)
{
    private int _removed;

    /// <summary>The <c>NAME=value</c> pair to put in the child's environment.</summary>
    public KeyValuePair<string, string> Marker { get; } = new(ProcessGroupLedger.MarkerVariable, entry.Group.ToString("D"));

    /// <summary>Completes the entry with the started child's pid and start time.</summary>
    public void Started(int processId)
    {
        // A child that already ended has no start time to record: the entry goes when it is released.
        if (ProcessTree.Identify(processId) is { } leader && Volatile.Read(ref _removed) == 0)
        {
            try
            {
                ledger.Write(entry with { LeaderId = leader.Id, LeaderStartTime = leader.StartTime });
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // The child runs and must be handed to the caller, not orphaned by a throw here; the entry written
                // before the start still finds it by its marker.
            }
        }
    }

    /// <summary>Removes the entry: the child's group is gone, or what is left of it was left on purpose.</summary>
    public void Remove()
    {
        if (Interlocked.Exchange(ref _removed, 1) == 0)
        {
            ledger.Remove(entry.Group);
        }
    }
}
