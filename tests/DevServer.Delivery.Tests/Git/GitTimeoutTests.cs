using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DevServer.Delivery.Git;

namespace DevServer.Delivery.Tests.Git;

/// <summary>
/// A git server that accepts connections and never answers must not hold delivery: every git command has a time limit,
/// and one that runs out is stopped with its process tree and reported as a retryable failure.
/// </summary>
public sealed class GitTimeoutTests
{
    private const string Canary = "canary-token-5e6f7a8b9c";
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task PushBranch_FetchFromServerThatNeverAnswers_RetryableWithinTimeoutAndGitGone()
    {
        using var fixture = new DeliveryFixture();
        await using var silent = SilentServer.Start();
        var delivery = WithTimeout(fixture, ShortTimeout, stallTime: TimeSpan.FromMinutes(1));
        var repository = new DeliveryRepository("acme/app", silent.Url, "main") { Credentials = GitCredentials.Gitea(Canary) };
        var started = Stopwatch.StartNew();
        await using var watch = GitProcessWatch.Start(fixture.Sandbox.Root);

        var outcome = await delivery.PushBranchAsync(repository, "not applied"u8.ToArray(), new string('a', 40), "agent/1-x", fixture.Token);

        var processes = await watch.StopAsync();
        AssertTimedOut(outcome, "git fetch", started.Elapsed);
        Assert.True(silent.Accepted > 0, "git never reached the silent server");
        AssertAllEnded(processes, "fetch");
    }

    [Fact]
    public async Task PushBranch_PushToServerThatNeverAnswers_RetryableWithinTimeoutAndGitGone()
    {
        using var fixture = new DeliveryFixture();
        await using var silent = SilentServer.Start();
        var (bare, baseCommit) = await fixture.Sandbox.CreateRemoteAsync("app", new Dictionary<string, string> { ["README.md"] = "# App\n" });
        var series = await fixture.Sandbox.SeriesAsync(bare, baseCommit, new Dictionary<string, string?> { ["a.txt"] = "a\n" });
        var delivery = WithTimeout(fixture, ShortTimeout, stallTime: TimeSpan.FromMinutes(1));
        // The cache fetches from the real remote; its push URL (which delivery never rewrites) points at the silent one.
        var prepared = await delivery.ExportPatchesAsync(DeliveryFixture.Remote(bare), series, baseCommit, fixture.Token);
        Assert.Equal(GitDeliveryStatus.Delivered, prepared.Outcome.Status);
        var cache = Assert.Single(Directory.GetDirectories(Path.Combine(fixture.Sandbox.DeliveryRoot, "cache")));
        await DeliveryFixture.Git(cache, "config", "remote.origin.pushurl", silent.Url);
        var started = Stopwatch.StartNew();
        await using var watch = GitProcessWatch.Start(fixture.Sandbox.Root);

        var outcome = await delivery.PushBranchAsync(DeliveryFixture.Remote(bare), series, baseCommit, "agent/2-y", fixture.Token);

        var processes = await watch.StopAsync();
        AssertTimedOut(outcome, "git push", started.Elapsed);
        Assert.True(silent.Accepted > 0, "git never reached the silent server");
        AssertAllEnded(processes, "push");
        Assert.Equal(string.Empty, await DeliveryFixture.Git(bare, "branch", "--list", "agent/*"));
    }

    [Fact]
    public async Task PushBranch_TransferStalls_GitGivesUpByItselfBeforeTheCommandTimeout()
    {
        using var fixture = new DeliveryFixture();
        await using var silent = SilentServer.Start();
        var delivery = WithTimeout(fixture, TimeSpan.FromMinutes(1), stallTime: TimeSpan.FromSeconds(1));
        var repository = new DeliveryRepository("acme/app", silent.Url, "main");
        var started = Stopwatch.StartNew();

        var outcome = await delivery.PushBranchAsync(repository, "x"u8.ToArray(), new string('a', 40), "agent/3-z", fixture.Token);

        Assert.Equal((GitDeliveryStatus.Failed, true), (outcome.Status, outcome.Retryable));
        Assert.DoesNotContain("did not finish within", outcome.Message, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), started.Elapsed.ToString());
    }

    [Fact]
    public void GitDelivery_NonPositiveCommandTimeout_Refused()
    {
        using var fixture = new DeliveryFixture();

        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new GitDelivery(new GitDeliveryOptions(fixture.Sandbox.DeliveryRoot) { CommandTimeout = TimeSpan.Zero }, fixture.Log));
    }

    private static GitDelivery WithTimeout(DeliveryFixture fixture, TimeSpan commandTimeout, TimeSpan stallTime) =>
        new(new GitDeliveryOptions(fixture.Sandbox.DeliveryRoot)
        {
            CommitterName = "DevServer",
            CommitterEmail = "devserver@example.com",
            CommandTimeout = commandTimeout,
            StallTime = stallTime,
        }, fixture.Log);

    private static void AssertTimedOut(GitDeliveryOutcome outcome, string command, TimeSpan elapsed)
    {
        Assert.Equal((GitDeliveryStatus.Failed, true), (outcome.Status, outcome.Retryable));
        Assert.Contains($"{command} did not finish within 2 s", outcome.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Canary, outcome.Message, StringComparison.Ordinal);
        // The limit, the stop's grace period and git's own start-up; far from the fixture's two minutes.
        Assert.True(elapsed >= ShortTimeout && elapsed < TimeSpan.FromSeconds(20), elapsed.ToString());
    }

    /// <summary>
    /// Every process the delivery ran (the git command that hung among them, seen while it ran) has ended: none is still
    /// the same running process (a zombie has ended; an id the system gave to a later process is not it).
    /// </summary>
    private static void AssertAllEnded(IReadOnlyList<WatchedProcess> processes, string command)
    {
        Assert.Contains(processes, p => Path.GetFileName(p.CommandLine.Split(' ')[0]) == "git" && p.CommandLine.Contains($" {command} ", StringComparison.Ordinal));
        Assert.Empty(processes.Where(p => p.IsRunning()).Select(p => $"{p.Id}: {p.CommandLine}"));
    }

    /// <summary>A process by its id and its start time, which tells it from a later process that reuses the id.</summary>
    private sealed record WatchedProcess(int Id, ulong StartTime, string CommandLine)
    {
        public bool IsRunning() => ProcStat.Read(Id) is { } stat && stat.StartTime == StartTime && stat.State is not ('Z' or 'X');
    }

    /// <summary>
    /// Records, from /proc while a delivery runs, every process this test process started (directly or through the ones
    /// it started) that works in the test's sandbox: the git commands and the remote helpers they start. Tests running
    /// beside this one start git too, in sandboxes of their own.
    /// </summary>
    private sealed class GitProcessWatch : IAsyncDisposable
    {
        private readonly string _sandbox;
        private readonly Dictionary<(int, ulong), WatchedProcess> _seen = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _polling;

        private GitProcessWatch(string sandbox)
        {
            _sandbox = Path.GetFullPath(sandbox);
            _polling = PollAsync();
        }

        public static GitProcessWatch Start(string sandbox) => new(sandbox);

        /// <summary>Stops watching (after one last look) and returns what it saw.</summary>
        public async Task<IReadOnlyList<WatchedProcess>> StopAsync()
        {
            await _stop.CancelAsync();
            await _polling;
            Look();
            return [.. _seen.Values];
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _polling;
            _stop.Dispose();
        }

        private async Task PollAsync()
        {
            try
            {
                while (true)
                {
                    Look();
                    await Task.Delay(TimeSpan.FromMilliseconds(10), _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Stopped.
            }
        }

        private void Look()
        {
            var processes = new Dictionary<int, ProcStat>();
            foreach (var folder in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && ProcStat.Read(id) is { } stat)
                {
                    processes[id] = stat;
                }
            }

            foreach (var (id, stat) in processes)
            {
                if (!IsDescendant(id, processes) || WorkingDirectory(id) is not { } directory
                    || !(directory == _sandbox || directory.StartsWith(_sandbox + "/", StringComparison.Ordinal)))
                {
                    continue;
                }

                try
                {
                    // Read again on every look: a process starts as setsid and becomes git in place (same id and start
                    // time); a zombie's is empty, so the last one it had is kept.
                    var commandLine = File.ReadAllText($"/proc/{id}/cmdline").Replace('\0', ' ').TrimEnd();
                    if (commandLine.Length > 0)
                    {
                        _seen[(id, stat.StartTime)] = new WatchedProcess(id, stat.StartTime, commandLine);
                    }
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    // Ended meanwhile.
                }
            }
        }

        private static bool IsDescendant(int id, Dictionary<int, ProcStat> processes)
        {
            var self = Environment.ProcessId;
            for (var hops = 0; hops < 64 && processes.TryGetValue(id, out var stat); hops++)
            {
                if (stat.ParentId == self)
                {
                    return true;
                }

                id = stat.ParentId;
            }

            return false;
        }

        private static string? WorkingDirectory(int id)
        {
            try
            {
                return new FileInfo($"/proc/{id}/cwd").LinkTarget;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    /// <summary>The fields of /proc/&lt;id&gt;/stat the watch needs.</summary>
    private sealed record ProcStat(char State, int ParentId, ulong StartTime)
    {
        public static ProcStat? Read(int id)
        {
            string text;
            try
            {
                text = File.ReadAllText($"/proc/{id}/stat");
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return null;
            }

            // "pid (comm) state ppid ... starttime ...": comm may hold spaces and parentheses, so count from the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19
                ? new ProcStat(fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture), ulong.Parse(fields[19], CultureInfo.InvariantCulture))
                : null;
        }
    }

    /// <summary>Accepts every connection on loopback and never sends a byte back (a hung git server).</summary>
    private sealed class SilentServer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly List<Socket> _held = [];
        private readonly Task _accepting;
        private int _accepted;

        private SilentServer(TcpListener listener)
        {
            _listener = listener;
            _accepting = AcceptAsync();
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/acme/app.git";

        public int Accepted => Volatile.Read(ref _accepted);

        public static SilentServer Start()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return new SilentServer(listener);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _accepting;
            lock (_held)
            {
                _held.ForEach(socket => socket.Dispose());
            }
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync();
                    Interlocked.Increment(ref _accepted);
                    lock (_held)
                    {
                        _held.Add(socket);
                    }
                }
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }
}
