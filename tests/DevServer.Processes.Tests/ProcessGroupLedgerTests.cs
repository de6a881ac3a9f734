using System.Globalization;
using DevServer.Testing;

namespace DevServer.Processes.Tests;

/// <summary>
/// The process group ledger against real processes: a stand-in worker (DevServer.Processes.TestWorker) that opens the
/// ledger for its process and starts a child through the runner, then is killed outright as a crash would; strangers
/// started outside the ledger; forged and garbage entries.
/// </summary>
public sealed class ProcessGroupLedgerTests : IDisposable
{
    /// <summary>Start-up of a .NET program on a busy 2-core machine; a hang fails the test after this.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root = Directory.CreateTempSubdirectory("ledger-").FullName;

    // Processes a test may leave behind when it fails: killed at the end, whatever happened.
    private readonly List<(int Id, ulong StartTime)> _leftovers = [];

    private static CancellationToken TestToken => TestContext.Current.CancellationToken;

    private string Folder => Path.Combine(_root, "process-groups");

    public void Dispose()
    {
        foreach (var (id, startTime) in _leftovers)
        {
            if (ProcFs.IsRunning(id, startTime))
            {
                ProcessTree.Signal(id, 9);
            }
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact(Timeout = 120_000)]
    public async Task ReapLeftoversAsync_WorkerKilledWhileItsChildRuns_StopsTheChildAndRemovesItsEntry()
    {
        await using var worker = StartWorker("sleep", "600");
        var child = await StartedAsync(worker);

        await worker.CrashAsync(TestToken);

        // The defect: nothing stops a child whose worker was killed outright.
        Assert.True(ProcFs.IsRunning(child.Id, child.StartTime), "the child should outlive its killed worker");
        Assert.Single(Entries());

        var report = await ProcessGroupLedger.Open(Folder).ReapLeftoversAsync(TestToken);

        Assert.False(ProcFs.IsRunning(child.Id, child.StartTime), "the reap should have stopped the child");
        Assert.Empty(Entries());
        var reaped = Assert.Single(report.Reaped);
        Assert.Equal(child.Id, reaped.ProcessId);
        Assert.EndsWith("sleep 600", reaped.CommandLine, StringComparison.Ordinal);
        Assert.InRange(reaped.RunningFor, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.Empty(report.Unreadable);
    }

    [Fact(Timeout = 120_000)]
    public async Task ReapLeftoversAsync_ChildEscapedItsGroupWithSetsid_StopsItByItsMarker()
    {
        // The subshell starts the escapee in a session of its own and ends, so the escapee is neither in the leader's
        // group or session nor below it: only the marker in its environment says whose it is.
        await using var worker = StartWorker("sh", "-c", "(setsid sleep 600 & echo escaped $!); exec sleep 600");
        var leader = await StartedAsync(worker);

        // The child's line may come before or after the worker's own "started" line.
        var escapedId = EscapedId(worker.StandardOutput) ?? await worker.WaitForLineAsync(EscapedId, StartTimeout, TestToken);
        var escaped = Track(int.Parse(escapedId, CultureInfo.InvariantCulture));
        Assert.NotEqual(leader.Id, ProcFs.SessionId(escaped.Id));

        await worker.CrashAsync(TestToken);
        Assert.True(ProcFs.IsRunning(escaped.Id, escaped.StartTime), "the escapee should outlive its killed worker");

        var report = await ProcessGroupLedger.Open(Folder).ReapLeftoversAsync(TestToken);

        Assert.False(ProcFs.IsRunning(leader.Id, leader.StartTime), "the reap should have stopped the leader");
        Assert.False(ProcFs.IsRunning(escaped.Id, escaped.StartTime), "the reap should have stopped the escapee");
        Assert.Equal(2, Assert.Single(report.Reaped).ProcessCount);
        Assert.Empty(Entries());
    }

    [Fact(Timeout = 120_000)]
    public async Task ReapLeftoversAsync_OwnerStillRuns_LeavesItsChildAndEntryAlone()
    {
        // Two workers sharing one folder: the second one's start must not touch the first one's children.
        await using var worker = StartWorker("sleep", "600");
        var child = await StartedAsync(worker);

        var report = await ProcessGroupLedger.Open(Folder).ReapLeftoversAsync(TestToken);

        Assert.Empty(report.Reaped);
        Assert.True(ProcFs.IsRunning(child.Id, child.StartTime), "a live worker's child must be left alone");
        Assert.Single(Entries());

        // The owner's own stop lets go of the child and its entry.
        var exit = await worker.CloseInputAsync(StartTimeout, TestToken);
        Assert.True(exit.ExitCode == 0, exit.ToString());
        Assert.False(ProcFs.IsRunning(child.Id, child.StartTime));
        Assert.Empty(Entries());
    }

    [Fact(Timeout = 60_000)]
    public async Task ReapLeftoversAsync_EntryPidNowAnUnrelatedProcess_LeavesItRunningAndRemovesTheEntry()
    {
        await using var stranger = ChildProcess.Start("sleep", ["600"], _root);
        var strangerStart = ProcFs.StartTime(stranger.Id)!.Value;
        var ledger = ProcessGroupLedger.Open(Folder);

        // Its pid with another start time and no marker: what a reused pid looks like. The owner is this process's pid
        // with another start time too, which counts as a dead owner.
        ledger.Write(new LedgerEntry(
            Guid.NewGuid(), ProcessDetails.BootId(), Environment.ProcessId, OwnStartTime() + 1, stranger.Id, strangerStart + 1));

        var report = await ledger.ReapLeftoversAsync(TestToken);

        Assert.True(ProcFs.IsRunning(stranger.Id, strangerStart), "an unrelated process must not be killed");
        Assert.Empty(report.Reaped);
        Assert.Empty(Entries());
    }

    [Fact(Timeout = 60_000)]
    public async Task ReapLeftoversAsync_GarbageAndOtherBootEntries_RemovesThemAndStillReapsTheRest()
    {
        var ledger = ProcessGroupLedger.Open(Folder);
        var deadOwner = (Id: Environment.ProcessId, StartTime: OwnStartTime() + 1);
        await File.WriteAllTextAsync(Path.Combine(Folder, "garbage.json"), "not json at all", TestToken);
        await File.WriteAllTextAsync(Path.Combine(Folder, $"{Guid.NewGuid():D}.json"), "{}", TestToken);
        await File.WriteAllTextAsync(Path.Combine(Folder, $"{Guid.NewGuid():D}.json"), string.Empty, TestToken);
        await File.WriteAllTextAsync(Path.Combine(Folder, $"{Guid.NewGuid():D}.json"), """{"group":"x","bootId":3}""", TestToken);

        // Another boot's entry naming a running process: its pid means nothing now, so it is only removed.
        await using var stranger = ChildProcess.Start("sleep", ["600"], _root);
        var strangerStart = ProcFs.StartTime(stranger.Id)!.Value;
        ledger.Write(new LedgerEntry(Guid.NewGuid(), "another-boot", deadOwner.Id, deadOwner.StartTime, stranger.Id, strangerStart));

        // An entry written just before a start whose worker died before recording the pid: found by its marker.
        var group = Guid.NewGuid();
        await using var unrecorded = ChildProcess.Start(
            "sleep", ["600"], _root, new Dictionary<string, string> { [ProcessGroupLedger.MarkerVariable] = group.ToString("D") });
        var unrecordedStart = ProcFs.StartTime(unrecorded.Id)!.Value;
        ledger.Write(new LedgerEntry(group, ProcessDetails.BootId(), deadOwner.Id, deadOwner.StartTime));

        var report = await ledger.ReapLeftoversAsync(TestToken);

        Assert.Equal(4, report.Unreadable.Count);
        Assert.Equal(unrecorded.Id, Assert.Single(report.Reaped).ProcessId);
        Assert.False(ProcFs.IsRunning(unrecorded.Id, unrecordedStart), "the marked process should have been stopped");
        Assert.True(ProcFs.IsRunning(stranger.Id, strangerStart), "another boot's entry must not kill anything");
        Assert.Empty(Directory.GetFiles(Folder));
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_ChildExitsOnItsOwn_IsMarkedAndLeavesNoEntry()
    {
        var ledger = ProcessGroupLedger.Open(Folder);
        var lines = new List<string>();
        var spec = new ProcessSpec("sh", ["-c", $"echo ${ProcessGroupLedger.MarkerVariable}; ls {Folder}"])
        {
            EnvironmentMode = EnvironmentMode.Scrubbed,
            Ledger = ledger,
        };

        var exit = await ProcessRunner.RunAsync(spec, line => lines.Add(line.Text), TestToken);

        Assert.Equal(0, exit.ExitCode);
        var marker = Guid.Parse(lines[0]);
        Assert.Equal($"{marker:D}.json", lines[1]);
        Assert.Empty(Entries());
    }

    [Fact(Timeout = 30_000)]
    public async Task StopAsync_RunningChild_EntryRecordsItUntilItIsStopped()
    {
        var ledger = ProcessGroupLedger.Open(Folder);
        await using var running = ProcessRunner.Start(new ProcessSpec("sleep", ["600"]) { Ledger = ledger }, null);

        var path = Assert.Single(Entries());
        var entry = LedgerEntry.Parse(await File.ReadAllBytesAsync(path, TestToken), Path.GetFileName(path));
        Assert.NotNull(entry);
        Assert.Equal((running.Id, ProcFs.StartTime(running.Id)), (entry.LeaderId, entry.LeaderStartTime));
        Assert.Equal((Environment.ProcessId, OwnStartTime()), (entry.OwnerId, entry.OwnerStartTime));

        await running.StopAsync(TestToken);

        Assert.Empty(Entries());
    }

    private ChildProcess StartWorker(params string[] command) =>
        ChildProcess.Start(
            BuiltPrograms.Dotnet,
            [BuiltPrograms.Assembly(typeof(ProcessGroupLedgerTests).Assembly, "DevServer.Processes.TestWorker"), Folder, .. command],
            _root);

    private async Task<(int Id, ulong StartTime)> StartedAsync(ChildProcess worker)
    {
        var id = await worker.WaitForLineAsync(
            line => line.StartsWith("started ", StringComparison.Ordinal) ? line["started ".Length..] : null, StartTimeout, TestToken);
        return Track(int.Parse(id, CultureInfo.InvariantCulture));
    }

    private static string? EscapedId(string output) =>
        output.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("escaped ", StringComparison.Ordinal))?["escaped ".Length..];

    private (int Id, ulong StartTime) Track(int id)
    {
        var process = (id, ProcFs.StartTime(id) ?? throw new InvalidOperationException($"Process {id} is not running."));
        _leftovers.Add(process);
        return process;
    }

    private string[] Entries() => Directory.Exists(Folder) ? Directory.GetFiles(Folder, "*.json") : [];

    private static ulong OwnStartTime() => ProcFs.StartTime(Environment.ProcessId)!.Value;
}
