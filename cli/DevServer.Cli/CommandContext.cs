using System.CommandLine;
using DevServer.Cli.Connection;
using DevServer.Cli.Output;

namespace DevServer.Cli;

/// <summary>One invocation of a command: its parse result, its output, and (on first use) its connection.</summary>
internal sealed class CommandContext(CliHost host, GlobalOptions globals, ParseResult parse) : IDisposable
{
    private OrchestratorConnection? _connection;
    private ConnectionSettings? _settings;

    public CliHost Host { get; } = host;

    public ParseResult Parse { get; } = parse;

    public CliOutput Output { get; } = new(host, parse.GetValue(globals.Json), parse.GetValue(globals.Raw));

    public string DataDirectory => globals.DataDirectory(Parse);

    /// <summary>The server and token (resolved once).</summary>
    public ConnectionSettings Settings => _settings ??= globals.ResolveConnection(Parse, Host.GetEnvironmentVariable);

    /// <summary>The orchestrator's clients, connected on first use.</summary>
    public OrchestratorConnection Connection => _connection ??= Host.Connect(Settings);

    /// <summary>Whether an option was given on the command line (rather than defaulted).</summary>
    public bool Has(Option option) => Parse.GetResult(option) is { Implicit: false };

    public T? Get<T>(Option<T> option) => Parse.GetValue(option);

    public T Get<T>(Argument<T> argument) => Parse.GetRequiredValue(argument);

    public void Dispose() => _connection?.Dispose();
}
