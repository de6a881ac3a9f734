using System.Globalization;
using System.Text.RegularExpressions;
using DevServer.Cli.Connection;
using DevServer.Contracts;
using DevServer.Processes;
using Rpc;
using Rpc.Health.V1;

namespace DevServer.Cli.Local;

/// <summary>What <see cref="LocalSystem"/> starts.</summary>
/// <param name="DataDirectory">The orchestrator's data directory (database, tokens) and the workers' workspaces.</param>
/// <param name="ScriptCommand">The command the <c>script</c> vendor sidecar runs as its agent.</param>
/// <param name="GrpcPort">The orchestrator's h2c port; 0 lets the system choose.</param>
/// <param name="WebPort">The orchestrator's gRPC-Web port; 0 lets the system choose.</param>
/// <param name="Agents">Agent-CLI sidecars to start besides the script one (claude, glm, gemini, codex).</param>
/// <param name="VerifierSettings">Extra <c>--Key=Value</c> settings of the verifier (its stage sandbox), after the worker's.</param>
internal sealed record LocalSystemOptions(
    string DataDirectory, string ScriptCommand, int GrpcPort, int WebPort, IReadOnlyList<string>? Agents = null, IReadOnlyList<string>? VerifierSettings = null);

/// <summary>
/// The whole system on this machine as child processes: the orchestrator (embedded PostgreSQL), then, once it answers
/// health and has written the worker token, one <c>script</c> vendor sidecar and one verifier. Stops in reverse
/// order: workers first (they finish their current messages), the orchestrator last.
/// </summary>
internal sealed partial class LocalSystem : IAsyncDisposable
{
    /// <summary>The first start creates the database cluster, which takes a while on a busy machine.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    // The orchestrator may need to stop its database; workers hand in their results first.
    private static readonly TimeSpan OrchestratorGrace = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan WorkerGrace = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan DatabaseGrace = TimeSpan.FromSeconds(30);

    // How long a failed piece of work waits to learn whether a program's end caused it.
    private static readonly TimeSpan ExitNoticeGrace = TimeSpan.FromSeconds(2);

    private readonly LocalSystemOptions _options;
    private readonly Action<string> _note;
    private readonly TimeProvider _clock;
    private readonly List<ChildProgram> _workers = [];
    private readonly TaskCompletionSource<(Uri Grpc, Uri Web)> _readyLine = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ChildProgram? _orchestrator;

    private LocalSystem(LocalSystemOptions options, Action<string> note, TimeProvider clock)
    {
        _options = options;
        _note = note;
        _clock = clock;
        DataDirectory = Path.GetFullPath(options.DataDirectory);
        LogDirectory = Path.Combine(DataDirectory, "logs");
        GrpcAddress = LoopbackAddress(options.GrpcPort);
        WebAddress = LoopbackAddress(options.WebPort);
    }

    public string DataDirectory { get; }

    public string LogDirectory { get; }

    /// <summary>The orchestrator's API and mesh (h2c).</summary>
    public Uri GrpcAddress { get; private set; }

    /// <summary>The orchestrator's gRPC-Web endpoint (HTTP/1.1, for the dashboard).</summary>
    public Uri WebAddress { get; private set; }

    public string AdminTokenFile => Path.Combine(DataDirectory, LocalInstallation.AdminTokenFileName);

    public string WorkerTokenFile => Path.Combine(DataDirectory, LocalInstallation.WorkerTokenFileName);

    public string ScriptCommand => _options.ScriptCommand;

    /// <summary>The running programs, the orchestrator first.</summary>
    public IReadOnlyList<ChildProgram> Programs => [.. (_orchestrator is null ? [] : new[] { _orchestrator }), .. _workers];

    /// <summary>
    /// Finds all three programs (before starting any), starts the orchestrator, waits until it is healthy and has
    /// written the worker token, then starts the workers. On failure everything started is stopped again.
    /// </summary>
    /// <param name="options">What to start.</param>
    /// <param name="lookup">Where the programs are.</param>
    /// <param name="note">Progress lines for the user.</param>
    /// <param name="clock">For waiting.</param>
    /// <param name="cancellationToken">Stops the start-up (and what it started).</param>
    public static async Task<LocalSystem> StartAsync(
        LocalSystemOptions options, ProgramLookup lookup, Action<string> note, TimeProvider clock, CancellationToken cancellationToken)
    {
        var orchestrator = lookup.Find(ProgramLookup.Orchestrator);
        var script = lookup.Find(ProgramLookup.ScriptSidecar);
        var verifier = lookup.Find(ProgramLookup.Verifier);
        var agents = (options.Agents ?? []).Select(vendor => (vendor, lookup.Find(ProgramLookup.AgentSidecar(vendor)))).ToList();
        var system = new LocalSystem(options, note, clock);
        CreatePrivateDirectory(system.DataDirectory, passThrough: Environment.IsPrivilegedProcess);
        CreatePrivateDirectory(system.LogDirectory);
        try
        {
            await system.StartOrchestratorAsync(orchestrator, cancellationToken);
            await system.WaitForWorkerTokenAsync(cancellationToken);
            system.StartWorkers(script, verifier, agents);
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Creates a directory (and missing parents) that only its owner can list, as the orchestrator creates its data
    /// directory: with <paramref name="passThrough"/> others may enter it (as root, the embedded PostgreSQL runs as an
    /// unprivileged user who must reach <c>&lt;data&gt;/postgres</c>). An existing directory is left as it is.
    /// </summary>
    public static void CreatePrivateDirectory(string path, bool passThrough = false)
    {
        if (Directory.Exists(path) || OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Directory.CreateDirectory(path, passThrough ? mode | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : mode);
    }

    /// <summary>Completes with the first program that ends (each should run until stopped).</summary>
    public Task<ChildProgram> WaitForAnyExitAsync(CancellationToken cancellationToken) => WaitForAnyExitAsync(Programs, cancellationToken);

    private static async Task<ChildProgram> WaitForAnyExitAsync(IReadOnlyList<ChildProgram> programs, CancellationToken cancellationToken)
    {
        var first = await Task.WhenAny(programs.Select(p => p.Exited)).WaitAsync(cancellationToken);
        return programs.First(p => p.Exited == first);
    }

    /// <summary>
    /// Runs <paramref name="work"/> while every program runs: if one ends first, the work is cancelled and a
    /// <see cref="CliException"/> says which program ended and how (rather than the work waiting for a worker that is gone).
    /// </summary>
    public Task<T> WhileRunningAsync<T>(Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        WhileRunningAsync(Programs, work, _clock, cancellationToken);

    /// <summary>See <see cref="WhileRunningAsync{T}(Func{CancellationToken, Task{T}}, CancellationToken)"/>, for any programs.</summary>
    internal static async Task<T> WhileRunningAsync<T>(
        IReadOnlyList<ChildProgram> programs, Func<CancellationToken, Task<T>> work, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var programEnded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var ended = WaitForAnyExitAsync(programs, programEnded.Token);
        // Not disposed: it may still be running when the work has failed (see the finally below).
        var cancelWork = ended.ContinueWith(
            _ => programEnded.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        try
        {
            return await work(programEnded.Token);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // A program that ends makes the work fail in whatever way the work happens to notice (its token cancelled, a
            // call broken), and its exit may be noticed a moment after that failure. The program's end is then the cause
            // to report, whichever it was.
            if (await HasEndedAsync(ended, clock))
            {
                throw new CliException(ExitCodes.Failure, await DescribeExitAsync(await ended));
            }

            throw;
        }
        finally
        {
            await programEnded.CancelAsync();

            // When a program ended, cancelWork's Cancel() runs the token's callbacks; one of them may fail the work on
            // another thread (e.g. a gRPC read that completes asynchronously) while the others still run, so the work can
            // get here before cancelWork has finished. Disposing it then threw InvalidOperationException ("A task may only
            // be disposed if it is in a completion state"), which replaced the report of the program's end (what CI's
            // "unexpected error (InvalidOperationException…" from `devserver demo` fits); nor may the source be disposed
            // under a running Cancel(). cancelWork completes when Cancel() returns, or at once as cancelled when no
            // program ended (the CancelAsync above ended the wait for one).
            await cancelWork.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    // Whether a program has ended, or ends within a short while: only asked once the work has failed.
    private static async Task<bool> HasEndedAsync(Task<ChildProgram> ended, TimeProvider clock)
    {
        try
        {
            await ended.WaitAsync(ExitNoticeGrace, clock);
            return true;
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The message for a program that ended on its own, with the last lines it wrote.</summary>
    public static async Task<string> DescribeExitAsync(ChildProgram program)
    {
        var exit = await program.Exited;
        var lines = program.Tail().Select(line => "    " + line);
        return $"the {program.Name} {ChildProgram.Describe(exit)}; the end of its log ({program.LogFile}):\n{string.Join('\n', lines)}";
    }

    /// <summary>Stops the workers, then the orchestrator; each gets its grace period.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_workers.Count > 0)
        {
            _note($"Stopping {string.Join(" and ", _workers.Select(w => w.Name))}…");
            await Task.WhenAll(_workers.Select(w => w.DisposeAsync().AsTask()));
            _workers.Clear();
        }

        if (_orchestrator is not null)
        {
            _note("Stopping the orchestrator…");
            await _orchestrator.DisposeAsync();
            _orchestrator = null;
            await StopLeftoverDatabaseAsync();
        }
    }

    /// <summary>
    /// An orchestrator that was killed or crashed could not stop its embedded PostgreSQL, which runs detached from it;
    /// it is stopped here, so that nothing of the local system outlives the command. (The next start would reuse it,
    /// but until then it would hold its memory and the cluster.) After a clean stop its pid file is gone already.
    /// </summary>
    private async Task StopLeftoverDatabaseAsync()
    {
        var pidFile = Path.Combine(LocalInstallation.EmbeddedClusterDirectory(DataDirectory), "postmaster.pid");
        if (PostmasterPid.ReadRunning(pidFile) is not { } server || !server.RequestFastShutdown())
        {
            return;
        }

        _note("Stopping the embedded PostgreSQL the orchestrator left running…");
        var started = _clock.GetTimestamp();
        while (server.IsRunningServer(pidFile) && _clock.GetElapsedTime(started) < DatabaseGrace)
        {
            await Task.Delay(PollInterval, _clock);
        }
    }

    private async Task StartOrchestratorAsync(LocalProgram program, CancellationToken cancellationToken)
    {
        _note($"Starting the orchestrator ({program.Path})…");
        _orchestrator = ChildProgram.Start(
            "orchestrator",
            program,
            [
                $"--Orchestrator:DataDirectory={DataDirectory}",
                $"--Orchestrator:Endpoints:GrpcPort={_options.GrpcPort.ToString(CultureInfo.InvariantCulture)}",
                $"--Orchestrator:Endpoints:WebPort={_options.WebPort.ToString(CultureInfo.InvariantCulture)}",
            ],
            ChildEnvironment(),
            Path.Combine(LogDirectory, "orchestrator.log"),
            OrchestratorGrace,
            OnOrchestratorLine);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);
        try
        {
            if (_options.GrpcPort == 0 || _options.WebPort == 0)
            {
                // Ports chosen by the system are known only from the line the orchestrator logs once it listens.
                await Task.WhenAny(_readyLine.Task, _orchestrator.Exited).WaitAsync(deadline.Token);
                await ThrowIfExitedAsync(_orchestrator, "before it listened");
                (GrpcAddress, WebAddress) = await _readyLine.Task;
            }

            await WaitUntilHealthyAsync(_orchestrator, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(
                ExitCodes.Failure,
                $"the orchestrator did not become healthy within {StartTimeout.TotalMinutes} minutes (log: {_orchestrator.LogFile})");
        }

        _note($"The orchestrator is up: {GrpcAddress.ToString().TrimEnd('/')}");
    }

    private async Task WaitUntilHealthyAsync(ChildProgram orchestrator, CancellationToken cancellationToken)
    {
        // Health is open: no token needed.
        using var connection = OrchestratorConnection.Open(new ConnectionSettings(GrpcAddress, null, "(health)"));
        while (true)
        {
            await ThrowIfExitedAsync(orchestrator, "before it was healthy");
            try
            {
                var deadline = _clock.GetUtcNow().UtcDateTime + TimeSpan.FromSeconds(5);
                var response = await connection.Health.CheckAsync(new HealthCheckRequest(), deadline: deadline, cancellationToken: cancellationToken);
                if (response.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(PollInterval, _clock, cancellationToken);
        }
    }

    private async Task WaitForWorkerTokenAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            while (!File.Exists(WorkerTokenFile))
            {
                await ThrowIfExitedAsync(_orchestrator!, "before it wrote the worker token");
                await Task.Delay(PollInterval, _clock, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Failure, $"the orchestrator is healthy but did not write {WorkerTokenFile}");
        }
    }

    private void StartWorkers(LocalProgram script, LocalProgram verifier, IReadOnlyList<(string Vendor, LocalProgram Program)> agents)
    {
        _note($"Starting the script sidecar (agent: {_options.ScriptCommand}) and the verifier…");
        _workers.Add(ChildProgram.Start(
            "script sidecar",
            script,
            [.. WorkerArguments("script"), $"--Script:Command={_options.ScriptCommand}"],
            ChildEnvironment(),
            Path.Combine(LogDirectory, "script.log"),
            WorkerGrace));
        _workers.Add(ChildProgram.Start(
            "verifier",
            verifier,
            [.. WorkerArguments("verifier"), .. _options.VerifierSettings ?? []],
            ChildEnvironment(),
            Path.Combine(LogDirectory, "verifier.log"),
            WorkerGrace));
        foreach (var (vendor, program) in agents)
        {
            // The sidecar inherits this environment: its CLI's key variables (ANTHROPIC_API_KEY, GEMINI_API_KEY, ...)
            // and login come from the user who runs `up`.
            _note($"Starting the {vendor} sidecar…");
            _workers.Add(ChildProgram.Start(
                $"{vendor} sidecar",
                program,
                WorkerArguments(vendor),
                ChildEnvironment(),
                Path.Combine(LogDirectory, vendor + ".log"),
                WorkerGrace));
        }
    }

    private string[] WorkerArguments(string workspace) =>
    [
        $"--Worker:OrchestratorAddress={GrpcAddress.ToString().TrimEnd('/')}",
        $"--Worker:TokenFile={WorkerTokenFile}",
        $"--Worker:WorkspaceRoot={Path.Combine(DataDirectory, "workspaces", workspace)}",
    ];

    // Every program then agrees on the data directory, whatever it derives from it by default.
    private Dictionary<string, string> ChildEnvironment() => new(StringComparer.Ordinal)
    {
        [LocalInstallation.DataDirectoryVariable] = DataDirectory,
    };

    private void OnOrchestratorLine(string line)
    {
        if (!_readyLine.Task.IsCompleted && ReadyLine().Match(line) is { Success: true } match)
        {
            _readyLine.TrySetResult((new Uri(match.Groups["grpc"].Value), new Uri(match.Groups["web"].Value)));
        }
    }

    private static async Task ThrowIfExitedAsync(ChildProgram program, string when)
    {
        if (program.Exited.IsCompleted)
        {
            var exit = await program.Exited;
            var tail = string.Join('\n', program.Tail().Select(line => "    " + line));
            throw new CliException(
                ExitCodes.Failure,
                $"the {program.Name} {ChildProgram.Describe(exit)} {when}; the end of its log ({program.LogFile}):\n{tail}");
        }
    }

    private static Uri LoopbackAddress(int port) => new($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");

    // The orchestrator logs it once Kestrel has bound both endpoints (EndpointsHosting.LogEndpointsOnStart).
    [GeneratedRegex(@"DevServer orchestrator: gRPC \(h2c\) on (?<grpc>http://\S+), gRPC-Web on (?<web>http://\S+)$")]
    private static partial Regex ReadyLine();
}
