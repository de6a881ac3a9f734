using System.Net;
using System.Net.Sockets;
using DevServer.Testing;

namespace DevServer.Deploy.Tests;

/// <summary>
/// The installed system, run the way its units say without systemd (which does not run here): each program started
/// with exactly its unit's ExecStart and the environment its Environment= and EnvironmentFile= lines give it, after
/// only the edits an operator makes in /etc/devserver (the data directory into the temporary root, free ports, the
/// script sidecar's command); then one task through orchestrator, script sidecar and verifier with the installed
/// devserver command, and a stop as systemd's KillMode=mixed does it: SIGTERM to each program, workers first.
/// </summary>
/// <remarks>
/// What systemd would add and the test cannot: User=devserver (the programs run as the test's user, so as root the
/// embedded PostgreSQL runs as 'nobody'), the state directory (made here under the root, as systemd makes
/// /var/lib/devserver), the sandboxing and resource directives, and cgroup-wide SIGKILL of leftovers.
/// </remarks>
[Collection(BundleTests.Name)]
public sealed class InstalledSystemTests(PublishedBundle bundle) : IAsyncDisposable
{
    /// <summary>The first start creates the database cluster; the task then needs both workers.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(4);

    /// <summary>What systemd gives every service before its own settings (systemd.exec(5), "Environment").</summary>
    private const string SystemdPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private const string StateDirectory = "/var/lib/devserver";

    private readonly Installation _installation = new();
    private readonly List<(string Name, ChildProcess Process, SystemdUnit Unit)> _running = [];

    private string State => Path.Combine(_installation.Root, "var", "lib", "devserver");

    [Fact]
    public async Task InstalledUnits_OneTaskThroughTheirPrograms_IsDoneAndEveryProgramStopsCleanlyOnSigterm()
    {
        var ct = TestContext.Current.CancellationToken;
        await _installation.InstallAsync(bundle, ct);
        var (grpcPort, webPort) = FreePorts();
        ConfigureAsAnOperator(grpcPort, webPort);
        var orchestrator = _installation.Unit("devserver-orchestrator.service");
        var verifier = _installation.Unit("devserver-verifier.service");
        var script = _installation.Unit("devserver-sidecar@.service", "script");
        foreach (var unit in new[] { orchestrator, verifier, script })
        {
            // The stop below is systemd's KillMode=mixed; the state directory is what the units and settings name.
            Assert.Equal("mixed", unit.Get("KillMode"));
            Assert.Equal("devserver", unit.Get("User"));
            Assert.Equal(StateDirectory, unit.Get("WorkingDirectory"));
        }

        // As systemd on `systemctl start devserver.target devserver-sidecar@script`: all at once. The workers wait for
        // the orchestrator and the worker token it writes by reconnecting.
        var orchestratorProcess = Start("orchestrator", orchestrator);
        Start("verifier", verifier);
        Start("script sidecar", script);
        var ready = await orchestratorProcess.WaitForLineAsync(
            line => line.Contains("DevServer orchestrator: gRPC (h2c) on ", StringComparison.Ordinal) ? line : null, StartTimeout, ct);
        // The unit's console format for the journal: the syslog priority first.
        Assert.StartsWith("<6>", ready, StringComparison.Ordinal);
        Assert.Contains($"on http://127.0.0.1:{Port(grpcPort)}, gRPC-Web on http://127.0.0.1:{Port(webPort)}", ready, StringComparison.Ordinal);

        var repository = await CreateRepositoryAsync(ct);
        var server = $"http://127.0.0.1:{Port(grpcPort)}";
        var add = await DevserverAsync(["repo", "add", "hello", repository, "--build", "true", "--test", "grep -qx hello greeting.txt", "--server", server, "--data", State], ct);
        Assert.True(add.ExitCode == 0, add + Logs());
        var task = await DevserverAsync(["task", "create", "--repo", "hello", "--title", "Say hello", "--watch", "--server", server, "--data", State], ct);

        Assert.True(task.ExitCode == 0, task + Logs());
        Assert.True(task.StandardOutput.Contains("\nTask 1 done", StringComparison.Ordinal), task.ToString());
        // verifier.env's Verifier__Sandbox__Mode=Bubblewrap, as installed.
        Assert.True(task.StandardOutput.Contains("stage      test passed", StringComparison.Ordinal), task.ToString());
        Assert.True(task.StandardOutput.Contains("sandbox: bubblewrap (network on)", StringComparison.Ordinal), task.ToString());
        using (var http = new HttpClient())
        {
            var index = await http.GetStringAsync(new Uri($"http://127.0.0.1:{Port(webPort)}/"), ct);
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(_installation.Prefix, "orchestrator", "wwwroot", "index.html"), ct), index);
        }

        // systemd stops the workers first (they are ordered after the orchestrator), then the orchestrator.
        var workers = _running.Where(r => r.Name != "orchestrator").ToList();
        var stopped = await Task.WhenAll(workers.Select(w => StopAsync(w.Name, w.Process, w.Unit, ct)));
        stopped = [.. stopped, await StopAsync("orchestrator", orchestratorProcess, orchestrator, ct)];
        foreach (var result in stopped)
        {
            Assert.True(result.ExitCode == 0 && !result.TimedOut, result.ToString());
        }

        // The orchestrator stopped its database itself: nothing is left for the final SIGKILL of KillMode=mixed.
        Assert.False(File.Exists(Path.Combine(State, "postgres", "cluster", "postmaster.pid")), "the embedded PostgreSQL still runs");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, process, _) in _running)
        {
            await process.DisposeAsync();
        }

        _installation.Dispose();
    }

    /// <summary>
    /// The edits an operator makes: the data directory (here inside the temporary root instead of /var/lib/devserver),
    /// free ports, the script sidecar's agent; and, when the runtime is not where the apphost looks by default,
    /// DOTNET_ROOT as the templates say. Everything else stays as installed.
    /// </summary>
    private void ConfigureAsAnOperator(int grpcPort, int webPort)
    {
        // What StateDirectory=devserver devserver/home makes; passable for 'nobody', PostgreSQL's user as root.
        Directory.CreateDirectory(Path.Combine(State, "home"));
        File.SetUnixFileMode(State, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);

        var orchestrator = Settings("orchestrator.env");
        EnvironmentFile.Set(orchestrator, "Orchestrator__DataDirectory", State);
        EnvironmentFile.Set(orchestrator, "Orchestrator__Endpoints__GrpcPort", Port(grpcPort));
        EnvironmentFile.Set(orchestrator, "Orchestrator__Endpoints__WebPort", Port(webPort));
        var worker = Settings("worker.env");
        EnvironmentFile.Set(worker, "DEVSERVER_DATA", State);
        EnvironmentFile.Set(worker, "Worker__OrchestratorAddress", $"http://127.0.0.1:{Port(grpcPort)}");
        EnvironmentFile.Set(worker, "Worker__TokenFile", Path.Combine(State, "worker.token"));
        EnvironmentFile.Set(Settings("sidecar-script.env"), "Script__Command", "echo hello > greeting.txt");
        var dotnetRoot = Path.TrimEndingDirectorySeparator(BuildRecord.Of(typeof(RepositoryLayout).Assembly).Get("DotnetRoot"));
        if (dotnetRoot != "/usr/share/dotnet")
        {
            EnvironmentFile.Set(orchestrator, "DOTNET_ROOT", dotnetRoot);
            EnvironmentFile.Set(worker, "DOTNET_ROOT", dotnetRoot);
        }
    }

    /// <summary>
    /// Starts a unit's ExecStart with only the environment systemd would give it (env -i: nothing of the test's own),
    /// in its WorkingDirectory (the state directory).
    /// </summary>
    private ChildProcess Start(string name, SystemdUnit unit)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = SystemdPath,
            // User=devserver's home (install.sh creates the user with it); the test's user stands in for devserver.
            ["HOME"] = Path.Combine(State, "home"),
            ["USER"] = Environment.UserName,
            ["LOGNAME"] = Environment.UserName,
        };
        foreach (var (variable, value) in unit.Environment())
        {
            environment[variable] = value;
        }

        var command = unit.ExecStart();
        var process = ChildProcess.Start(
            "/usr/bin/env",
            ["-i", .. environment.Select(e => $"{e.Key}={e.Value}"), .. command],
            State);
        _running.Add((name, process, unit));
        return process;
    }

    /// <summary>SIGTERM, then at most the unit's TimeoutStopSec (after which systemd would send SIGKILL).</summary>
    private static async Task<ProcessResult> StopAsync(string name, ChildProcess process, SystemdUnit unit, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await process.TerminateAsync(unit.Duration("TimeoutStopSec"), cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: exit code {result.ExitCode} {watch.Elapsed.TotalSeconds:F1} s after SIGTERM");
        return result;
    }

    private async Task<string> CreateRepositoryAsync(CancellationToken cancellationToken)
    {
        var repository = Path.Combine(_installation.Root, "hello");
        Directory.CreateDirectory(repository);
        await File.WriteAllTextAsync(Path.Combine(repository, "README.md"), "The tests want greeting.txt to say hello.\n", cancellationToken);
        string[][] commands =
        [
            ["init", "--quiet", "--initial-branch=main"],
            ["add", "--all"],
            ["-c", "user.name=Deploy test", "-c", "user.email=deploy@devserver.invalid", "commit", "--quiet", "-m", "README"],
        ];
        foreach (var git in commands)
        {
            var result = await ChildProcess.RunAsync("git", git, repository, TimeSpan.FromMinutes(1), cancellationToken);
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        return repository;
    }

    /// <summary>
    /// Runs the installed devserver command while the programs run: one that ends meanwhile (a wrong ExecStart, a
    /// setting it refuses) fails the test at once with its output, instead of the command waiting for a worker.
    /// </summary>
    private async Task<ProcessResult> DevserverAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var command = ChildProcess.RunAsync(_installation.Command, arguments, _installation.Root, TaskTimeout, cancellationToken);
        var ended = Task.WhenAny(_running.Select(r => EndOfAsync(r.Name, r.Process, watching.Token)));
        try
        {
            if (await Task.WhenAny(command, ended) != command && await await ended is { } end)
            {
                Assert.Fail($"The {end.Name} ended while `devserver {string.Join(' ', arguments)}` ran:\n{end.Result}{Logs()}");
            }

            return await command;
        }
        finally
        {
            await watching.CancelAsync();
        }
    }

    // The program's exit, or null once the watch is cancelled.
    private static async Task<(string Name, ProcessResult Result)?> EndOfAsync(string name, ChildProcess process, CancellationToken cancellationToken)
    {
        try
        {
            return (name, await process.WaitForExitAsync(Timeout.InfiniteTimeSpan, cancellationToken));
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private string Settings(string name) => Path.Combine(_installation.SettingsDirectory, name);

    private string Logs() =>
        string.Concat(_running.Select(r => $"\n=== {r.Name} ===\n{r.Process.StandardOutput}{r.Process.StandardError}"));

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Two ports free now (both listeners are held until both are known, so they differ).</summary>
    private static (int Grpc, int Web) FreePorts()
    {
        using var grpc = new TcpListener(IPAddress.Loopback, 0);
        using var web = new TcpListener(IPAddress.Loopback, 0);
        grpc.Start();
        web.Start();
        return (((IPEndPoint)grpc.LocalEndpoint).Port, ((IPEndPoint)web.LocalEndpoint).Port);
    }
}
