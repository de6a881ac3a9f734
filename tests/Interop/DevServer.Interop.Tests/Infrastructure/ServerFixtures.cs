using System.Globalization;
using System.Text.RegularExpressions;
using DevServer.Testing;

namespace DevServer.Interop.Tests.Infrastructure;

/// <summary>
/// A server peer started once per test class: launched as a child process, ready when it prints
/// <c>listening on &lt;port&gt;</c> (ours adds <c>web &lt;port&gt;</c>), its process tree killed on dispose.
/// </summary>
public abstract partial class ServerFixture : IAsyncLifetime
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private ChildProcess? _process;

    /// <summary>The gRPC (h2c) port, or the only port of a gRPC-Web-only peer.</summary>
    public int Port { get; private set; }

    /// <summary>Our server's gRPC-Web (HTTP/1.1) port; null for the Node peers.</summary>
    public int? WebPort { get; private set; }

    /// <summary>The end of what the server wrote on stderr, for failure messages.</summary>
    public string StandardErrorTail
    {
        get
        {
            var text = _process?.StandardError ?? string.Empty;
            return text.Length <= 8000 ? text : "…" + text[^8000..];
        }
    }

    public string Describe() => $"{_process?.CommandLine}\n--- server stderr (tail) ---\n{StandardErrorTail}";

    public async ValueTask InitializeAsync()
    {
        var (fileName, arguments, workingDirectory) = Command();
        _process = ChildProcess.Start(fileName, arguments, workingDirectory);
        var ports = await _process.WaitForLineAsync(ParseReadyLine, ReadyTimeout, TestContext.Current.CancellationToken);
        (Port, WebPort) = (ports.Port, ports.WebPort);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    private protected abstract (string FileName, IReadOnlyList<string> Arguments, string WorkingDirectory) Command();

    private static ReadyPorts? ParseReadyLine(string line) =>
        ReadyLine().Match(line) is { Success: true } match
            ? new ReadyPorts(
                int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : null)
            : null;

    [GeneratedRegex(@"^listening on (\d+)(?: web (\d+))?$")]
    private static partial Regex ReadyLine();

    private sealed record ReadyPorts(int Port, int? WebPort);
}

/// <summary>Our interop server (tests/Interop/DevServer.Interop.Server): h2c and gRPC-Web ports.</summary>
public sealed class OurServerFixture : ServerFixture
{
    private protected override (string, IReadOnlyList<string>, string) Command() =>
        (BuiltPrograms.Dotnet, [InteropPrograms.ServerAssembly, "--port=0", "--web_port=0", "--max_seconds=900"], RepositoryLayout.Root);
}

/// <summary>The @grpc/grpc-js interop server (tests/Interop/node/interop-server.mjs), h2c.</summary>
public sealed class GrpcJsServerFixture : ServerFixture
{
    private protected override (string, IReadOnlyList<string>, string) Command() =>
        ("node", ["interop-server.mjs", "--port=0", "--max_seconds=900"], RepositoryLayout.NodePeersDirectory);
}

/// <summary>The @connectrpc/connect gRPC-Web server (tests/Interop/node/web-server.mjs), HTTP/1.1.</summary>
public sealed class ConnectWebServerFixture : ServerFixture
{
    private protected override (string, IReadOnlyList<string>, string) Command() =>
        ("node", ["web-server.mjs", "--port=0", "--max_seconds=900"], RepositoryLayout.NodePeersDirectory);
}
