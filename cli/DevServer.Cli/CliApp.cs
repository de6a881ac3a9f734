using System.CommandLine;
using System.CommandLine.Parsing;
using DevServer.Cli.Commands;

namespace DevServer.Cli;

/// <summary>
/// The <c>devserver</c> command tree and its one way of running a command: parse errors become exit code 2, and
/// every failure becomes one line on stderr with an exit code from <see cref="ExitCodes"/>.
/// </summary>
internal sealed class CliApp
{
    public CliApp(CliHost host)
    {
        Host = host;
        Root = new RootCommand("DevServer: runs AI coding agents on tasks in isolated worktrees and verifies their work.");
        Globals.AddTo(Root);
        Root.Add(LocalCommands.BuildUp(this));
        Root.Add(LocalCommands.BuildDemo(this));
        Root.Add(RepositoryCommands.Build(this));
        Root.Add(TaskCommands.Build(this));
        Root.Add(TemplateCommands.Build(this));
        Root.Add(IdeaCommands.Build(this));
        Root.Add(EventCommands.BuildAllEvents(this));
        Root.Add(QueueCommands.BuildQueue(this));
        Root.Add(QueueCommands.BuildWorkers(this));
        Root.Add(StatusCommand.Build(this));
        Root.Add(AnalyticsCommands.Build(this));
        Root.Add(SettingsCommands.Build(this));
        Root.Add(ClassifyCommand.Build(this));
        Root.Add(MapCommands.BuildMap(this));
        Root.Add(MapCommands.BuildDetect(this));
    }

    public CliHost Host { get; }

    public GlobalOptions Globals { get; } = new();

    public RootCommand Root { get; }

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var parse = Root.Parse(args);
        // --help and friends clear parse errors; anything else with errors is a usage error, reported our way.
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            foreach (var error in parse.Errors)
            {
                await Host.Error.WriteLineAsync(("devserver: " + error.Message).AsMemory(), cancellationToken);
            }

            await Host.Error.WriteLineAsync($"Run '{CommandPath(parse.CommandResult)} --help' for usage.".AsMemory(), cancellationToken);
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = Host.Out,
            Error = Host.Error,
            EnableDefaultExceptionHandler = false,
            // Program handles Ctrl+C and SIGTERM itself: `up` needs more than a fixed grace period to stop its children.
            ProcessTerminationTimeout = null,
        };
        return await parse.InvokeAsync(configuration, cancellationToken);
    }

    /// <summary>Runs <paramref name="handler"/> for <paramref name="command"/>, turning any failure into a message and an exit code.</summary>
    public void Handle(Command command, Func<CommandContext, CancellationToken, Task<int>> handler) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CommandContext(Host, Globals, parse);
            try
            {
                return await handler(context, cancellationToken);
            }
#pragma warning disable CA1031 // The command line's last line of defence: every failure becomes a message and an exit code.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                return ErrorReport.Report(ex, context, cancellationToken);
            }
        });

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is CommandResult current; result = current.Parent)
        {
            names.Insert(0, current.Parent is null ? "devserver" : current.Command.Name);
        }

        return string.Join(' ', names);
    }
}
