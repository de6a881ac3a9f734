using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using DevServer.Contracts;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Testing;
using Rpc;
using Rpc.Client;
using Rpc.Interceptors;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Pipeline.Testing;

/// <summary>
/// One test's DevServer: orchestrator processes sharing one data directory's database, and workers, every process
/// with its own folders. Disposing stops everything, including the embedded PostgreSQL an orchestrator killed with
/// SIGKILL leaves running.
/// </summary>
public sealed partial class PipelineHost : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly List<ChildProcess> _workers = [];
    private readonly List<RpcChannel> _channels = [];

    private readonly Assembly _programs;

    /// <param name="name">A short name for the temp folder.</param>
    /// <param name="programs">The assembly whose project declares the programs (TestPrograms.targets).</param>
    public PipelineHost(string name, Assembly programs)
    {
        _programs = programs;
        Root = Path.Combine(Path.GetTempPath(), $"devserver-pipeline-{name}-{Guid.NewGuid():N}"[..48]);
        Directory.CreateDirectory(Root);
        DataDirectory = Path.Combine(Root, "data");
        // Short leases so lost workers are noticed within seconds; retries soon after a failure.
        Settings =
        [
            "--Orchestrator:Mesh:HeartbeatInterval=00:00:00.500",
            "--Orchestrator:Mesh:LeaseDuration=00:00:03",
            "--Orchestrator:Scheduling:RetryDelay=00:00:00.200",
            "--Orchestrator:Scheduling:SweepInterval=00:00:00.500",
            "--Orchestrator:Scheduling:DispatchBackstopInterval=00:00:01",
        ];
    }

    public string Root { get; }

    public string DataDirectory { get; }

    public List<string> Settings { get; }

    public ChildProcess? Orchestrator { get; private set; }

    public int GrpcPort { get; private set; }

    public Uri Address => new($"http://127.0.0.1:{GrpcPort}");

    public string AdminToken => File.ReadAllText(Path.Combine(DataDirectory, "admin.token")).Trim();

    /// <summary>Starts (or restarts, on the same port and data) the orchestrator and waits until it listens.</summary>
    public async Task StartOrchestratorAsync(CancellationToken cancellationToken, params string[] extraSettings)
    {
        if (GrpcPort != 0)
        {
            // A restart must come back on the same port: workers and clients know it.
            Orchestrator = await LaunchOrchestratorAsync(DataDirectory, GrpcPort, [.. Settings, .. extraSettings], cancellationToken);
            return;
        }

        (Orchestrator, GrpcPort) = await LaunchOnFreePortAsync(DataDirectory, [.. Settings, .. extraSettings], cancellationToken);
    }

    /// <summary>Another orchestrator on the same database (the embedded server of the first one), with its own data folder and port.</summary>
    public async Task<(ChildProcess Process, Uri Address)> StartSecondOrchestratorAsync(CancellationToken cancellationToken, params string[] extraSettings)
    {
        var connectionString = $"Host={Path.Combine(DataDirectory, "postgres", "run")};Port=5432;Username=devserver;Database=devserver";
        var (process, port) = await LaunchOnFreePortAsync(
            Path.Combine(Root, "data-2"), [.. Settings, $"--Orchestrator:Database:ConnectionString={connectionString}", .. extraSettings], cancellationToken);
        _workers.Add(process);
        return (process, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>Starts a script sidecar running <paramref name="command"/> as its agent.</summary>
    public ChildProcess StartScriptSidecar(string name, string command, Uri? orchestrator = null) =>
        StartWorker("DevServer.Vendors.Script", name, orchestrator, $"--Script:Command={command}");

    public ChildProcess StartVerifier(string name, Uri? orchestrator = null) => StartWorker("DevServer.Verifier", name, orchestrator);

    /// <summary>
    /// Starts an agent-CLI sidecar (<paramref name="program"/>, e.g. DevServer.Vendors.Claude) whose CLI is the fake of
    /// <c>tests/FakeAgentClis</c> named <paramref name="cli"/>, set through the sidecar's <c>&lt;section&gt;:CliPath</c>.
    /// </summary>
    public ChildProcess StartAgentSidecar(string program, string section, string cli, string name, params string[] settings) =>
        StartWorker(program, name, null, [$"--{section}:CliPath={Path.Combine(RepositoryLayout.Root, "tests", "FakeAgentClis", cli)}", .. settings]);

    /// <summary>Creates the sample repository in this host's folder and registers it as "sample"; returns its path.</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <param name="configure">Sets commands, attempts and so on on the request before it is sent.</param>
    public async Task<string> AddSampleRepositoryAsync(CancellationToken cancellationToken, Action<AddRepositoryRequest>? configure = null)
    {
        var path = await SampleRepository.CreateAsync(Root, cancellationToken);
        var request = new AddRepositoryRequest { Name = "sample", Location = path };
        configure?.Invoke(request);
        await Repositories().AddRepositoryAsync(request, cancellationToken: cancellationToken);
        return path;
    }

    public CallInvoker Invoker(string? token = null, Uri? address = null)
    {
        var channel = RpcChannel.ForAddress(address ?? Address);
        _channels.Add(channel);
        var bearer = token ?? AdminToken;
        return channel.CreateCallInvoker().Intercept(metadata =>
        {
            metadata.Add("authorization", $"Bearer {bearer}");
            return metadata;
        });
    }

    public TaskService.TaskServiceClient Tasks(Uri? address = null) => new(Invoker(address: address));

    public RepositoryService.RepositoryServiceClient Repositories() => new(Invoker());

    public EventService.EventServiceClient Events() => new(Invoker());

    public QueueService.QueueServiceClient Queue() => new(Invoker());

    /// <summary>Waits until the task reaches one of <paramref name="statuses"/>, polling (the tests check events separately).</summary>
    public async Task<GetTaskResponse> WaitForStatusAsync(long taskId, TimeSpan timeout, CancellationToken cancellationToken, params TaskStatus[] statuses)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var client = Tasks();
        GetTaskResponse? last = null;
        try
        {
            while (true)
            {
                last = await client.GetTaskAsync(new GetTaskRequest { Id = taskId }, cancellationToken: bounded.Token);
                if (statuses.Contains(last.Task.Status))
                {
                    return last;
                }

                await Task.Delay(100, bounded.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Task {taskId} did not reach {string.Join("/", statuses)} within {timeout}; last: {last}\n--- orchestrator ---\n{Orchestrator?.StandardOutput}\n{Orchestrator?.StandardError}\n--- workers ---\n{string.Join("\n", _workers.Select(w => w.StandardOutput + w.StandardError))}");
        }
    }

    /// <summary>Waits for a file an agent writes to say where it is (e.g. "started"); a minute and a half at most.</summary>
    public static async Task WaitForFileAsync(string path, CancellationToken cancellationToken)
    {
        var waiting = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (waiting.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException($"{path} did not appear within 90 s.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Every stored event of a task, in order.</summary>
    public async Task<List<TaskEvent>> ReadEventsAsync(long taskId, CancellationToken cancellationToken)
    {
        var events = new List<TaskEvent>();
        var client = Events();
        while (true)
        {
            var page = await client.ListTaskEventsAsync(
                new ListTaskEventsRequest { TaskId = taskId, AfterSequence = events.Count == 0 ? 0 : events[^1].Sequence, PageSize = 1000 },
                cancellationToken: cancellationToken);
            events.AddRange(page.Events);
            if (!page.More)
            {
                return events;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        if (Orchestrator is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Orchestrator.TerminateAsync(TimeSpan.FromSeconds(30), stop.Token);
            await Orchestrator.DisposeAsync();
        }

        await StopLeftoverPostgresAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private ChildProcess StartWorker(string program, string name, Uri? orchestrator, params string[] settings)
    {
        var workspace = Path.Combine(Root, "workers", name);
        Directory.CreateDirectory(workspace);
        var process = ChildProcess.Start(
            BuiltPrograms.Dotnet,
            [
                BuiltPrograms.Assembly(_programs, program),
                $"--Worker:OrchestratorAddress={orchestrator ?? Address}",
                $"--Worker:TokenFile={Path.Combine(DataDirectory, "worker.token")}",
                $"--Worker:Name={name}",
                $"--Worker:WorkspaceRoot={workspace}",
                .. settings,
            ],
            workspace);
        _workers.Add(process);
        return process;
    }

    /// <summary>
    /// Launches on a port that was free a moment ago. Between choosing it and the orchestrator binding it another test
    /// process may take it (every test project runs at once in CI): then a new port is tried.
    /// </summary>
    private async Task<(ChildProcess Process, int Port)> LaunchOnFreePortAsync(string dataDirectory, string[] settings, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            try
            {
                return (await LaunchOrchestratorAsync(dataDirectory, port, settings, cancellationToken), port);
            }
            catch (InvalidOperationException exception) when (attempt < 3 && exception.Message.Contains("address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private async Task<ChildProcess> LaunchOrchestratorAsync(string dataDirectory, int port, string[] settings, CancellationToken cancellationToken)
    {
        var process = ChildProcess.Start(
            BuiltPrograms.Dotnet,
            [
                BuiltPrograms.Assembly(_programs, "DevServer.Orchestrator"),
                $"--Orchestrator:DataDirectory={dataDirectory}",
                $"--Orchestrator:Endpoints:GrpcPort={port}",
                "--Orchestrator:Endpoints:WebPort=0",
                .. settings,
            ],
            RepositoryLayout.Root);
        try
        {
            await process.WaitForLineAsync(line => ReadyLine().IsMatch(line) ? line : null, StartTimeout, cancellationToken);
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private async Task StopLeftoverPostgresAsync()
    {
        var cluster = LocalInstallation.EmbeddedClusterDirectory(DataDirectory);
        if (!File.Exists(Path.Combine(cluster, "postmaster.pid")))
        {
            return;
        }

        var pgCtl = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pg_ctl")).FirstOrDefault(File.Exists);
        if (pgCtl is null)
        {
            return;
        }

        string[] command = Environment.IsPrivilegedProcess
            ? ["runuser", "-u", "nobody", "--", pgCtl, "-D", cluster, "stop", "-m", "immediate"]
            : [pgCtl, "-D", cluster, "stop", "-m", "immediate"];
        await ChildProcess.RunAsync(command[0], command[1..], Root, TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"DevServer orchestrator: gRPC \(h2c\) on http://\S+, gRPC-Web on http://\S+$")]
    private static partial Regex ReadyLine();
}
