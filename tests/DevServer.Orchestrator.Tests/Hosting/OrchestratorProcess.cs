using System.Text.RegularExpressions;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Testing;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>
/// The built orchestrator as a child process, both ports 0 (chosen by the OS), on a temporary data directory (so on its
/// own embedded PostgreSQL), ready once it logs where it listens. Disposing it kills its process tree, and when it made
/// the data directory itself, stops the server left there and deletes it.
/// </summary>
internal sealed partial class OrchestratorProcess : IAsyncDisposable
{
    /// <summary>Start-up of a .NET host plus initdb on a busy 2-core machine; a hang fails the test after this.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly OrchestratorDataDirectory? _ownedData;

    private OrchestratorProcess(ChildProcess process, Uri grpcAddress, Uri webAddress, OrchestratorDataDirectory data, bool ownsData)
    {
        Process = process;
        GrpcAddress = grpcAddress;
        WebAddress = webAddress;
        Data = data;
        _ownedData = ownsData ? data : null;
    }

    public ChildProcess Process { get; }

    /// <summary>The h2c endpoint (gRPC), from the ready line.</summary>
    public Uri GrpcAddress { get; }

    /// <summary>The HTTP/1.1 endpoint (gRPC-Web), from the ready line.</summary>
    public Uri WebAddress { get; }

    /// <summary>Its data directory: the embedded cluster and the token files.</summary>
    public OrchestratorDataDirectory Data { get; }

    /// <summary>
    /// Launches <c>dotnet DevServer.Orchestrator.dll</c> on <paramref name="dataDirectory"/> with both ports 0, followed by
    /// <paramref name="settings"/> (<c>--Key=Value</c>; a later one wins, so a setting can override a port).
    /// </summary>
    public static ChildProcess Launch(OrchestratorDataDirectory dataDirectory, params string[] settings) =>
        ChildProcess.Start(
            BuiltPrograms.Dotnet,
            [
                BuiltPrograms.Assembly(typeof(OrchestratorProcess).Assembly, "DevServer.Orchestrator"),
                "--Orchestrator:Endpoints:GrpcPort=0",
                "--Orchestrator:Endpoints:WebPort=0",
                dataDirectory.Setting,
                .. settings,
            ],
            RepositoryLayout.Root);

    /// <summary>
    /// Launches the orchestrator on a data directory of its own with <paramref name="settings"/> (see <see cref="Launch"/>)
    /// and waits for its ready line.
    /// </summary>
    public static async Task<OrchestratorProcess> StartAsync(CancellationToken cancellationToken, params string[] settings)
    {
        var data = new OrchestratorDataDirectory();
        try
        {
            return await StartAsync(data, ownsData: true, settings, cancellationToken);
        }
        catch
        {
            await data.DisposeAsync();
            throw;
        }
    }

    /// <summary>Launches the orchestrator on <paramref name="data"/>, which the caller disposes (e.g. to start another one on it later).</summary>
    public static Task<OrchestratorProcess> StartAsync(OrchestratorDataDirectory data, CancellationToken cancellationToken) =>
        StartAsync(data, ownsData: false, [], cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        if (_ownedData is not null)
        {
            await _ownedData.DisposeAsync();
        }
    }

    private static async Task<OrchestratorProcess> StartAsync(
        OrchestratorDataDirectory data, bool ownsData, string[] settings, CancellationToken cancellationToken)
    {
        var process = Launch(data, settings);
        try
        {
            var ready = await process.WaitForLineAsync(ParseReadyLine, StartTimeout, cancellationToken);
            return new OrchestratorProcess(process, ready.Grpc, ready.Web, data, ownsData);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private static ReadyAddresses? ParseReadyLine(string line) =>
        ReadyLine().Match(line) is { Success: true } match
            ? new ReadyAddresses(new Uri(match.Groups["grpc"].Value), new Uri(match.Groups["web"].Value))
            : null;

    // Program.cs logs it once Kestrel has bound both endpoints (EndpointsHosting.LogEndpointsOnStart).
    [GeneratedRegex(@"DevServer orchestrator: gRPC \(h2c\) on (?<grpc>http://\S+), gRPC-Web on (?<web>http://\S+)$")]
    private static partial Regex ReadyLine();

    private sealed record ReadyAddresses(Uri Grpc, Uri Web);
}
