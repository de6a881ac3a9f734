using System.CommandLine;
using System.Globalization;
using System.Text;
using DevServer.Cli.Connection;
using DevServer.Cli.Local;
using DevServer.Cli.Output;
using DevServer.Cli.Watching;
using DevServer.Contracts;
using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using Rpc;

namespace DevServer.Cli.Commands;

/// <summary><c>devserver up</c> (the local system until Ctrl+C) and <c>devserver demo</c> (one task through it, end to end).</summary>
internal static class LocalCommands
{
    private const string DemoRepository = "demo-calc";

    /// <summary>How long `up` and `demo` wait for the workers to register before going on with a warning.</summary>
    private static readonly TimeSpan WorkersTimeout = TimeSpan.FromSeconds(60);

    public static Command BuildUp(CliApp app)
    {
        var script = Options.Text("--script", "The agent command the script vendor runs in each worktree [default: the demo agent]", "command");
        var grpcPort = Port("--grpc-port", LocalInstallation.DefaultGrpcPort, "The orchestrator's gRPC (h2c) port; 0 picks a free one");
        var webPort = Port("--web-port", LocalInstallation.DefaultWebPort, "The orchestrator's gRPC-Web port; 0 picks a free one");
        var agents = new Option<string[]>("--agent")
        {
            Description = "Also start the sidecar of this agent CLI (repeatable); it uses your key variables or login",
            HelpName = string.Join('|', ProgramLookup.AgentVendors),
        };
        agents.AcceptOnlyFromAmong([.. ProgramLookup.AgentVendors]);
        var (sandbox, sandboxNetwork) = SandboxOptions();
        var command = new Command("up", "Run the orchestrator, a script sidecar and a verifier on this machine until Ctrl+C.")
        {
            script, grpcPort, webPort, agents, sandbox, sandboxNetwork,
        };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var output = context.Output;
            var data = context.DataDirectory;
            LocalSystem.CreatePrivateDirectory(data, passThrough: Environment.IsPrivilegedProcess);
            var scriptCommand = context.Get(script) ?? await DemoFiles.WriteAgentAsync(Path.Combine(data, "agents"), cancellationToken);
            await using var system = await LocalSystem.StartAsync(
                new LocalSystemOptions(
                    data,
                    scriptCommand,
                    context.Get(grpcPort),
                    context.Get(webPort),
                    [.. (context.Get(agents) ?? []).Distinct()],
                    SandboxSettings(context.Get(sandbox), context.Get(sandboxNetwork))),
                Lookup(context.Host),
                output.Note,
                context.Host.TimeProvider,
                cancellationToken);
            using var connection = ConnectTo(system, context.Host);
            await WaitForWorkersAsync(system, connection, output, context.Host.TimeProvider, required: false, cancellationToken);
            output.Note(Addresses(system, "DevServer is up; Ctrl+C stops it."));
            return await RunUntilStoppedAsync(system, output, ExitCodes.Success, cancellationToken);
        });
        return command;
    }

    public static Command BuildDemo(CliApp app)
    {
        var keepRunning = Options.Flag("--keep-running", "Leave the system running after the task (until Ctrl+C)");
        var grpcPort = Port("--grpc-port", 0, "The orchestrator's gRPC (h2c) port [default: a free one]");
        var webPort = Port("--web-port", 0, "The orchestrator's gRPC-Web port [default: a free one]");
        var (sandbox, sandboxNetwork) = SandboxOptions();
        var command = new Command(
            "demo",
            "Start everything in a fresh data directory, have the demo agent implement calc.multiply in a sample repository, " +
            "verify it with the repository's build, tests and linter, and show the patch. Exit code 0 when the task is done.")
        {
            keepRunning, grpcPort, webPort, sandbox, sandboxNetwork,
        };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var output = context.Output;
            var clock = context.Host.TimeProvider;
            var stamp = TimeZoneInfo.ConvertTime(clock.GetUtcNow(), clock.LocalTimeZone).ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            // A fresh directory unless one was named: the demo then starts from an empty database every time.
            var data = context.Has(app.Globals.Data) ? context.DataDirectory : Path.Combine(LocalInstallation.DefaultDataDirectory(), "demo-" + stamp);
            output.Note($"DevServer demo in {data}");
            LocalSystem.CreatePrivateDirectory(data, passThrough: Environment.IsPrivilegedProcess);
            var agent = await DemoFiles.WriteAgentAsync(Path.Combine(data, "agents"), cancellationToken);
            await using var system = await LocalSystem.StartAsync(
                new LocalSystemOptions(
                    data, agent, context.Get(grpcPort), context.Get(webPort), VerifierSettings: SandboxSettings(context.Get(sandbox), context.Get(sandboxNetwork))),
                Lookup(context.Host),
                output.Note,
                clock,
                cancellationToken);
            using var connection = ConnectTo(system, context.Host);
            // The demo's task needs both workers: without them it would wait in the queue for ever.
            await WaitForWorkersAsync(system, connection, output, clock, required: true, cancellationToken);

            var sample = Path.Combine(data, "sample", Directory.Exists(Path.Combine(data, "sample", "calc")) ? "calc-" + stamp : "calc");
            var location = await DemoFiles.CreateRepositoryAsync(sample, cancellationToken);
            output.Note($"Sample repository: {location} (calc.py has no multiply; test_multiply fails)");
            await AddDemoRepositoryAsync(connection, location, output, cancellationToken);

            var created = await connection.Tasks.CreateTaskAsync(DemoTask(), cancellationToken: cancellationToken);
            output.Write(created.Task, () => $"Created {TaskFormatting.Summary(created.Task)}\n");
            var watcher = new TaskWatcher(context.Host, output, connection);
            var exitCode = await system.WhileRunningAsync(token => watcher.WatchAsync(created.Task.Id, token), cancellationToken);

            await PrintPatchAsync(connection, created.Task.Id, output, cancellationToken);
            if (!output.Json)
            {
                await PrintHistoryAsync(connection, created.Task.Id, output, cancellationToken);
            }

            if (context.Get(keepRunning))
            {
                output.Note(Addresses(system, "DevServer keeps running; Ctrl+C stops it."));
                output.Note($"To use it from another shell: export DEVSERVER_URL={system.GrpcAddress.ToString().TrimEnd('/')} DEVSERVER_DATA={system.DataDirectory}");
                return await RunUntilStoppedAsync(system, output, exitCode, cancellationToken);
            }

            return exitCode;
        });
        return command;
    }

    // The verifier's stage sandbox (verifier/README.md#sandbox) as options of the commands that start one.
    private static (Option<bool> Sandbox, Option<Switch?> Network) SandboxOptions() =>
    (
        Options.Flag("--sandbox", "Run the verifier's stages (the repository's build, test and lint) in a bubblewrap sandbox (package bubblewrap)"),
        Options.OnOff("--sandbox-network", "With --sandbox: whether stages reach the network [default: on]")
    );

    // Nothing when neither is given: the verifier's own configuration (Verifier__Sandbox__* variables) decides.
    private static List<string> SandboxSettings(bool sandbox, Switch? network)
    {
        var settings = new List<string>();
        if (sandbox)
        {
            settings.Add("--Verifier:Sandbox:Mode=Bubblewrap");
        }

        if (network is { } value)
        {
            settings.Add($"--Verifier:Sandbox:Network={(value == Switch.On ? "true" : "false")}");
        }

        return settings;
    }

    private static Option<int> Port(string name, int defaultValue, string description) =>
        Options.Range(name, 0, 65535, defaultValue, description, "port");

    private static ProgramLookup Lookup(CliHost host) => new(host.GetEnvironmentVariable, host.BaseDirectory);

    /// <summary>A connection to the started orchestrator with the admin token it wrote.</summary>
    private static OrchestratorConnection ConnectTo(LocalSystem system, CliHost host)
    {
        var token = File.Exists(system.AdminTokenFile) ? File.ReadAllText(system.AdminTokenFile).Trim() : null;
        return host.Connect(new ConnectionSettings(system.GrpcAddress, token, system.AdminTokenFile));
    }

    /// <summary>
    /// Waits until a script sidecar and a verifier are connected. If they take too long: a failure when they are
    /// <paramref name="required"/>, otherwise a warning.
    /// </summary>
    private static async Task WaitForWorkersAsync(
        LocalSystem system, OrchestratorConnection connection, CliOutput output, TimeProvider clock, bool required, CancellationToken cancellationToken)
    {
        var giveUp = clock.GetUtcNow() + WorkersTimeout;
        while (true)
        {
            if (system.Programs.FirstOrDefault(p => p.Exited.IsCompleted) is { } ended)
            {
                throw new CliException(ExitCodes.Failure, await LocalSystem.DescribeExitAsync(ended));
            }

            var workers = (await connection.Queue.ListWorkersAsync(new ListWorkersRequest(), cancellationToken: cancellationToken)).Workers;
            var script = workers.FirstOrDefault(w => w.Connected && w.Kind == "vendor" && w.Vendor == "script");
            var verifier = workers.FirstOrDefault(w => w.Connected && w.Kind == "verifier");
            if (script is not null && verifier is not null)
            {
                output.Note($"Workers connected: {script.Name} (script), {verifier.Name} (verifier)");
                return;
            }

            if (clock.GetUtcNow() >= giveUp)
            {
                var problem = $"the workers have not all connected after {WorkersTimeout.TotalSeconds} s (logs: {system.LogDirectory})";
                if (required)
                {
                    throw new CliException(ExitCodes.Failure, problem);
                }

                output.Warn(problem + "; going on");
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), clock, cancellationToken);
        }
    }

    /// <summary>Runs until Ctrl+C (answering <paramref name="exitCode"/>) or until a program ends on its own (a failure).</summary>
    private static async Task<int> RunUntilStoppedAsync(LocalSystem system, CliOutput output, int exitCode, CancellationToken cancellationToken)
    {
        try
        {
            var ended = await system.WaitForAnyExitAsync(cancellationToken);
            output.Warn(await LocalSystem.DescribeExitAsync(ended));
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return exitCode;
        }
    }

    private static string Addresses(LocalSystem system, string headline)
    {
        var text = new StringBuilder(headline).Append('\n');
        TaskFormatting.AppendFields(text,
        [
            ("gRPC", system.GrpcAddress.ToString().TrimEnd('/') + "  (API and mesh; devserver --server)"),
            ("gRPC-Web", system.WebAddress.ToString().TrimEnd('/') + "  (dashboard)"),
            ("admin token", system.AdminTokenFile),
            ("data", system.DataDirectory),
            ("logs", system.LogDirectory),
            ("script agent", system.ScriptCommand),
        ]);
        // Last, on a line of its own: the one address a person opens (the browser tests read it too).
        text.Append($"Dashboard: {system.WebAddress} — log in with the admin token in {system.AdminTokenFile}");
        return text.ToString();
    }

    private static async Task AddDemoRepositoryAsync(OrchestratorConnection connection, string location, CliOutput output, CancellationToken cancellationToken)
    {
        var commands = new VerificationCommands { Build = DemoFiles.BuildCommand, Test = DemoFiles.TestCommand, Lint = DemoFiles.LintCommand };
        try
        {
            await connection.Repositories.AddRepositoryAsync(
                new AddRepositoryRequest { Name = DemoRepository, Location = location, DefaultBranch = "main", Commands = commands },
                cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
        {
            // A reused data directory: point the repository at the new sample.
            await connection.Repositories.UpdateRepositoryAsync(
                new UpdateRepositoryRequest { Repository = DemoRepository, Location = location, DefaultBranch = "main", Commands = commands },
                cancellationToken: cancellationToken);
        }

        output.Note($"Repository {DemoRepository}: build `{commands.Build}`, test `{commands.Test}`, lint `{commands.Lint}`");
    }

    private static CreateTaskRequest DemoTask() => new()
    {
        Repository = DemoRepository,
        Title = "Implement calc.multiply",
        Description = "calc.py has add and subtract but no multiply, so test_multiply in test_calc.py fails. "
            + "Add multiply(a, b), returning the product of a and b, with a docstring like the other functions.",
        Acceptance = "python3 -m unittest passes and tools/lint.py reports no problems.",
        Vendor = "script",
        // The demo agent takes seconds; a hang ends the attempt instead of the demo waiting for an hour.
        AttemptTimeout = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(5)),
        Labels = { "demo" },
        Enqueue = true,
    };

    private static async Task PrintPatchAsync(OrchestratorConnection connection, long taskId, CliOutput output, CancellationToken cancellationToken)
    {
        GetTaskPatchResponse patch;
        try
        {
            patch = await connection.Tasks.GetTaskPatchAsync(new GetTaskPatchRequest { Id = taskId }, cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition)
        {
            output.Note("No patch: no attempt produced work.");
            return;
        }

        if (output.Json)
        {
            output.WriteJson(patch);
            return;
        }

        output.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"\n--- the patch (attempt {patch.Attempt}, {patch.CommitCount} commit(s), {(patch.Verified ? "verified" : "not verified")}; devserver task patch {taskId} | git am) ---"));
        output.Out.Write(patch.PatchSeries.ToStringUtf8());
    }

    private static async Task PrintHistoryAsync(OrchestratorConnection connection, long taskId, CliOutput output, CancellationToken cancellationToken)
    {
        output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\n--- the history of task {taskId} (without output lines; devserver task events {taskId}) ---"));
        var after = 0L;
        while (true)
        {
            var page = await connection.Events.ListTaskEventsAsync(
                new ListTaskEventsRequest { TaskId = taskId, AfterSequence = after, PageSize = 1000 }, cancellationToken: cancellationToken);
            foreach (var taskEvent in page.Events)
            {
                after = taskEvent.Sequence;
                if (taskEvent.KindCase != TaskEvent.KindOneofCase.OutputLine)
                {
                    output.Out.WriteLine(EventFormatting.Line(taskEvent, output.TimeZone));
                }
            }

            if (!page.More || page.Events.Count == 0)
            {
                return;
            }
        }
    }
}
