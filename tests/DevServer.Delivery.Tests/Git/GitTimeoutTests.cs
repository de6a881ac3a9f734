using System.Diagnostics;
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

        var outcome = await delivery.PushBranchAsync(repository, "not applied"u8.ToArray(), new string('a', 40), "agent/1-x", fixture.Token);

        AssertTimedOut(outcome, "git fetch", started.Elapsed);
        Assert.True(silent.Accepted > 0, "git never reached the silent server");
        Assert.Empty(GitProcessesTalkingTo(silent, fixture.Sandbox.Root));
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

        var outcome = await delivery.PushBranchAsync(DeliveryFixture.Remote(bare), series, baseCommit, "agent/2-y", fixture.Token);

        AssertTimedOut(outcome, "git push", started.Elapsed);
        Assert.True(silent.Accepted > 0, "git never reached the silent server");
        Assert.Empty(GitProcessesTalkingTo(silent, fixture.Sandbox.Root));
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

    // Processes (git and its remote-http helper) whose command line names the silent server or that run in the sandbox.
    private static List<string> GitProcessesTalkingTo(SilentServer silent, string sandbox)
    {
        var found = new List<string>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out _))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
                var workingDirectory = new FileInfo(Path.Combine(folder, "cwd")).LinkTarget ?? string.Empty;
                if (commandLine.Contains("git", StringComparison.Ordinal)
                    && (commandLine.Contains(silent.Url, StringComparison.Ordinal) || workingDirectory.StartsWith(sandbox, StringComparison.Ordinal)))
                {
                    found.Add($"{Path.GetFileName(folder)}: {commandLine}");
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Ended meanwhile, or not ours to read.
            }
        }

        return found;
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
