namespace DevServer.Processes;

/// <summary>
/// A folder recording the process groups this process started through <see cref="ProcessRunner"/>, so that the next
/// start of the same program over the same folder can stop what a previous life left running when it was killed
/// outright (SIGKILL, the OOM killer, a crash): nothing else stops those groups, and an agent CLI would keep editing a
/// worktree and spending quota, a test keep its port, while the work is already being redone elsewhere.
/// </summary>
/// <remarks>
/// <para>
/// The ledger is process-wide (<see cref="OpenForThisProcess"/>), not a <see cref="ProcessSpec"/> setting: the runner
/// is static and called from many places (git, agent CLIs, verification stages, repository insight), and a new call
/// site must not be able to forget it.
/// </para>
/// <para>
/// The entry rule: a child's entry is written just before it starts and removed when the runner lets go of it —
/// after a stop (the SIGKILL of its group and tree) or, for a child that ended on its own and was released without a
/// stop (<see cref="ProcessRunner.RunAsync"/>), at once. What such a child leaves in its group was left on purpose
/// (pg_ctl's server) and the runner never kills it, so the ledger must not either: a reap does only what the worker
/// would have done had it lived. A child started with <see cref="ProcessRunner.Start"/> keeps its entry until it is
/// disposed, since disposing kills what it left. One window remains: a worker killed between a child's own exit and
/// its release (at most the 2 s the runner waits for a leftover daemon to let go of the output pipes) leaves an entry
/// whose daemon, still carrying the marker, a reap would stop.
/// </para>
/// <para>
/// Every child also gets <c>DEVSERVER_PROCESS_GROUP=&lt;its entry's id&gt;</c> in its environment. A reap kills only
/// processes proven to be that child's: its leader while it runs with the recorded start time (and that leader's
/// group, session and descendants), and any process carrying the marker — also one that left the group with
/// <c>setsid</c>. A pid reused by an unrelated process has another start time and no marker and is left alone. A
/// process that both left the group and dropped its environment (<c>env -i</c>) after its leader ended cannot be
/// told from a stranger and is not found.
/// </para>
/// <para>
/// The folder is trusted: whoever can write an entry can name a process of this user for the next reap to stop. It
/// lives in the worker's workspace root, which verification stages do not see (the sandbox hides it) and whose other
/// writers (agent CLIs) run as the worker's user and could signal its processes anyway.
/// </para>
/// <para>Linux only, like the runner: elsewhere the ledger records nothing and a reap finds nothing.</para>
/// </remarks>
public sealed class ProcessGroupLedger
{
    /// <summary>The variable that marks every child (and all that inherit its environment) with its entry's id.</summary>
    public const string MarkerVariable = "DEVSERVER_PROCESS_GROUP";

    private const string TemporaryExtension = ".tmp";

    // How long reaped processes get between SIGTERM and SIGKILL: long enough for a CLI to flush, short for a start-up.
    private static readonly TimeSpan ReapGrace = TimeSpan.FromSeconds(3);

    // How long SIGKILLed processes may take to disappear.
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);

    // A temporary entry lives for the microseconds between its write and its rename; an older one is a crash's.
    private static readonly TimeSpan AbandonedTemporaryAge = TimeSpan.FromMinutes(1);

    private const int CommandLineLength = 200;

    private static ProcessGroupLedger? s_current;

    private readonly ProcessIdentity _owner;
    private readonly string _bootId = string.Empty;

    private ProcessGroupLedger(string directory)
    {
        Directory = Path.GetFullPath(directory);
        if (OperatingSystem.IsLinux())
        {
            System.IO.Directory.CreateDirectory(Directory);
            _bootId = ProcessDetails.BootId();
            _owner = ProcessTree.Identify(Environment.ProcessId)
                ?? throw new InvalidOperationException("This process is missing from /proc.");
        }
    }

    /// <summary>The folder holding the entries.</summary>
    public string Directory { get; }

    /// <summary>The ledger every child started from now on is recorded in; null when none is open.</summary>
    internal static ProcessGroupLedger? Current => Volatile.Read(ref s_current);

    /// <summary>
    /// Opens a ledger over <paramref name="directory"/> (created if missing) and records every child this process
    /// starts through <see cref="ProcessRunner"/> from now on in it, for the rest of the process's life. Call it once,
    /// at start-up, before anything starts a child; then <see cref="ReapLeftoversAsync"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A ledger is already open for this process.</exception>
    public static ProcessGroupLedger OpenForThisProcess(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var ledger = new ProcessGroupLedger(directory);
        return Interlocked.CompareExchange(ref s_current, ledger, null) is { } open
            ? throw new InvalidOperationException($"A process group ledger is already open for this process ({open.Directory}).")
            : ledger;
    }

    /// <summary>A ledger that is not this process's: for tests, which run many at once in one process.</summary>
    internal static ProcessGroupLedger Open(string directory) => new(directory);

    /// <summary>
    /// Stops what dead owners left: for every entry of this boot whose owner no longer runs (its pid gone, or taken by
    /// a process with another start time), SIGTERM to the child's group and every process carrying its marker, a
    /// short grace, then SIGKILL to all of them; the entry is removed. Entries of live owners (another worker sharing
    /// the folder) are left alone; entries of another boot, and unreadable ones, are removed.
    /// </summary>
    /// <returns>What was stopped, and the unreadable entries that were removed; never throws for a bad entry.</returns>
    public async Task<LeftoverReport> ReapLeftoversAsync(CancellationToken cancellationToken)
    {
        var unreadable = new List<UnreadableEntry>();
        if (!OperatingSystem.IsLinux())
        {
            return new LeftoverReport([], unreadable);
        }

        var leftovers = new List<(string Path, LedgerEntry Entry)>();

        RemoveAbandonedTemporaryFiles();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*" + LedgerEntry.Extension))
        {
            cancellationToken.ThrowIfCancellationRequested();
            byte[] content;
            try
            {
                content = File.ReadAllBytes(path);
            }
            catch (FileNotFoundException)
            {
                // Its owner let go of the child meanwhile.
                continue;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                unreadable.Add(new UnreadableEntry(path, exception.Message));
                TryDelete(path);
                continue;
            }

            if (LedgerEntry.Parse(content, Path.GetFileName(path)) is not { } entry)
            {
                unreadable.Add(new UnreadableEntry(path, "not a ledger entry"));
                TryDelete(path);
                continue;
            }

            if (entry.BootId != _bootId)
            {
                // A reboot ended everything it names; its pids may be anyone's now.
                TryDelete(path);
                continue;
            }

            if (ProcessTree.IsAlive(new ProcessIdentity(entry.OwnerId, entry.OwnerStartTime)))
            {
                // A live worker sharing the folder (or this process): its children are its own business.
                continue;
            }

            leftovers.Add((path, entry));
        }

        // All together, with one grace period and one look through /proc per step: a worker that ran several children
        // at once (Capacity > 1, git beside an agent) starts in seconds, not a grace period per child.
        var reaped = await StopLeftoversAsync([.. leftovers.Select(leftover => leftover.Entry)], cancellationToken);
        foreach (var (path, _) in leftovers)
        {
            TryDelete(path);
        }

        return new LeftoverReport(reaped, unreadable);
    }

    /// <summary>Records a child about to start; its environment must get <see cref="ChildRecord.Marker"/>.</summary>
    internal ChildRecord Add()
    {
        var entry = new LedgerEntry(Guid.NewGuid(), _bootId, _owner.Id, _owner.StartTime);
        var record = new ChildRecord(this, entry);
        Write(entry);
        return record;
    }

    internal void Write(LedgerEntry entry)
    {
        var path = PathOf(entry.Group);
        var temporary = path + TemporaryExtension;

        // Written aside and renamed, so a reader (another worker's reap) never sees half an entry.
        try
        {
            File.WriteAllBytes(temporary, entry.ToBytes());
        }
        catch (DirectoryNotFoundException)
        {
            // Someone removed the folder (a hand-cleaned workspace): recording goes on.
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllBytes(temporary, entry.ToBytes());
        }

        File.Move(temporary, path, overwrite: true);
    }

    internal void Remove(Guid group) => TryDelete(PathOf(group));

    private string PathOf(Guid group) => Path.Combine(Directory, group.ToString("D") + LedgerEntry.Extension);

    private static async Task<List<ReapedGroup>> StopLeftoversAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return [];
        }

        // A leader is ours only while it runs with the recorded start time; then so are its group, its session and its
        // descendants. Without it, only the marker proves anything: a group id alone may be a stranger's now.
        var leaders = entries.Select(entry => entry is { LeaderId: { } id, LeaderStartTime: { } startTime }
            && ProcessTree.IsAlive(new ProcessIdentity(id, startTime))
                ? new ProcessIdentity(id, startTime)
                : (ProcessIdentity?)null).ToArray();
        var marked = ProcessDetails.Marked(MarkerVariable);
        var targets = entries.Select((entry, i) => Proven(leaders[i], entry.Group, marked)).ToArray();

        // Described before they are stopped: afterwards there is nothing left to read.
        var reaped = new List<(int Entry, ReapedGroup Group)>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (targets[i].Count > 0)
            {
                var shown = leaders[i] ?? targets[i].MinBy(p => p.StartTime);
                reaped.Add((i, new ReapedGroup(shown.Id, ProcessDetails.CommandLine(shown.Id, CommandLineLength), ProcessDetails.Age(shown), 0)));
            }
        }

        if (reaped.Count == 0)
        {
            return [];
        }

        var all = targets.SelectMany(t => t).ToHashSet();
        foreach (var leader in leaders.OfType<ProcessIdentity>())
        {
            ProcessTree.SignalGroup(leader.Id, NativeMethods.SigTerm);
        }

        foreach (var process in all.Where(ProcessTree.IsAlive))
        {
            ProcessTree.Signal(process.Id, NativeMethods.SigTerm);
        }

        await ProcessTree.WaitUntilEndedAsync(all, ReapGrace).WaitAsync(cancellationToken);

        // Whatever they started during the grace carries the marker too, or hangs below a leader.
        marked = ProcessDetails.Marked(MarkerVariable);
        for (var i = 0; i < entries.Count; i++)
        {
            var stillLeader = leaders[i] is { } before && ProcessTree.IsAlive(before) ? before : (ProcessIdentity?)null;
            targets[i].UnionWith(Proven(stillLeader, entries[i].Group, marked));
            if (stillLeader is { } last)
            {
                ProcessTree.SignalGroup(last.Id, NativeMethods.SigKill);
            }
        }

        all = targets.SelectMany(t => t).ToHashSet();
        ProcessTree.Kill(all);
        await ProcessTree.WaitUntilEndedAsync(all, KillTimeout).WaitAsync(cancellationToken);
        return [.. reaped.Select(stopped => stopped.Group with { ProcessCount = targets[stopped.Entry].Count })];
    }

    private static HashSet<ProcessIdentity> Proven(ProcessIdentity? leader, Guid group, Dictionary<string, List<ProcessIdentity>> marked)
    {
        var proven = marked.TryGetValue(group.ToString("D"), out var carriers) ? new HashSet<ProcessIdentity>(carriers) : [];
        if (leader is { } running)
        {
            proven.UnionWith(ProcessTree.Read(running.Id));
        }

        // Never this process, whatever it inherited.
        proven.RemoveWhere(p => p.Id == Environment.ProcessId);
        return proven;
    }

    private void RemoveAbandonedTemporaryFiles()
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*" + TemporaryExtension))
        {
            try
            {
                if (TimeProvider.System.GetUtcNow() - File.GetLastWriteTimeUtc(path) > AbandonedTemporaryAge)
                {
                    TryDelete(path);
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours: nothing to clean.
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Left for the next reap; an entry that cannot be removed does no harm beyond its bytes.
        }
    }
}
