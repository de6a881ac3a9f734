using System.CommandLine;
using DevServer.Cli.Connection;
using DevServer.Contracts;

namespace DevServer.Cli;

/// <summary>The options every command takes, and how their defaults are found.</summary>
internal sealed class GlobalOptions
{
    public const string ServerVariable = "DEVSERVER_URL";
    public const string TokenVariable = "DEVSERVER_TOKEN";

    public static readonly string DefaultServer = $"http://127.0.0.1:{LocalInstallation.DefaultGrpcPort}";

    public Option<string?> Server { get; } = new("--server")
    {
        Description = $"The orchestrator's gRPC address [default: ${ServerVariable}, else {DefaultServer}]",
        HelpName = "url",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"The admin token [default: ${TokenVariable}, else the file {LocalInstallation.AdminTokenFileName} in the data directory]",
        HelpName = "token",
        Recursive = true,
    };

    public Option<string?> Data { get; } = new("--data")
    {
        Description = $"The data directory of a local installation [default: ${LocalInstallation.DataDirectoryVariable}, else {LocalInstallation.DefaultDataDirectory()}]",
        HelpName = "dir",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine output: one JSON object per line (protobuf JSON mapping)",
        Recursive = true,
    };

    public Option<bool> Raw { get; } = new("--raw")
    {
        Description = "Also print agent CLIs' raw JSON output lines (their parsed steps are always printed)",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Add(Server);
        root.Add(Token);
        root.Add(Data);
        root.Add(Json);
        root.Add(Raw);
    }

    /// <summary>--data, else the local installation's default.</summary>
    public string DataDirectory(ParseResult parse) =>
        parse.GetValue(Data) is { Length: > 0 } data ? Path.GetFullPath(data) : LocalInstallation.DefaultDataDirectory();

    /// <summary>The server and token for <paramref name="parse"/>: options first, then variables, then the defaults.</summary>
    public ConnectionSettings ResolveConnection(ParseResult parse, Func<string, string?> environment)
    {
        var server = FirstSet(parse.GetValue(Server), environment(ServerVariable)) ?? DefaultServer;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw CliException.Usage($"--server '{server}' is not an http:// or https:// address.");
        }

        if (parse.GetValue(Token) is { Length: > 0 } token)
        {
            return new ConnectionSettings(uri, token.Trim(), "--token");
        }

        if (environment(TokenVariable) is { Length: > 0 } fromEnvironment)
        {
            return new ConnectionSettings(uri, fromEnvironment.Trim(), "$" + TokenVariable);
        }

        var file = Path.Combine(DataDirectory(parse), LocalInstallation.AdminTokenFileName);
        return new ConnectionSettings(uri, ReadTokenFile(file), file);
    }

    private static string? ReadTokenFile(string file)
    {
        try
        {
            return File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } token ? token : null;
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CliException(ExitCodes.Unreachable, $"cannot read the token file {file}: {ex.Message}", ex);
        }
    }

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
