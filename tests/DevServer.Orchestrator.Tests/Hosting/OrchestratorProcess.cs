using System.Text.RegularExpressions;
using DevServer.Testing;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>
/// The built orchestrator as a child process, both ports 0 (chosen by the OS), ready once it logs where it
/// listens. Disposing it kills its process tree.
/// </summary>
internal sealed partial class OrchestratorProcess : IAsyncDisposable
{
    /// <summary>Start-up of a .NET host on a busy 2-core machine; a hang fails the test after this.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private OrchestratorProcess(ChildProcess process, Uri grpcAddress, Uri webAddress)
    {
        Process = process;
        GrpcAddress = grpcAddress;
        WebAddress = webAddress;
    }

    public ChildProcess Process { get; }

    /// <summary>The h2c endpoint (gRPC), from the ready line.</summary>
    public Uri GrpcAddress { get; }

    /// <summary>The HTTP/1.1 endpoint (gRPC-Web), from the ready line.</summary>
    public Uri WebAddress { get; }

    /// <summary>
    /// Launches <c>dotnet DevServer.Orchestrator.dll</c> with both ports 0 followed by <paramref name="settings"/>
    /// (<c>--Key=Value</c>; a later one wins, so a setting can override a port).
    /// </summary>
    public static ChildProcess Launch(params string[] settings) =>
        ChildProcess.Start(
            BuiltPrograms.Dotnet,
            [
                BuiltPrograms.Assembly(typeof(OrchestratorProcess).Assembly, "DevServer.Orchestrator"),
                "--Orchestrator:Endpoints:GrpcPort=0",
                "--Orchestrator:Endpoints:WebPort=0",
                .. settings,
            ],
            RepositoryLayout.Root);

    /// <summary>Launches the orchestrator and waits for its ready line.</summary>
    public static async Task<OrchestratorProcess> StartAsync(CancellationToken cancellationToken)
    {
        var process = Launch();
        try
        {
            var ready = await process.WaitForLineAsync(ParseReadyLine, StartTimeout, cancellationToken);
            return new OrchestratorProcess(process, ready.Grpc, ready.Web);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static ReadyAddresses? ParseReadyLine(string line) =>
        ReadyLine().Match(line) is { Success: true } match
            ? new ReadyAddresses(new Uri(match.Groups["grpc"].Value), new Uri(match.Groups["web"].Value))
            : null;

    // Program.cs logs it once Kestrel has bound both endpoints (EndpointsHosting.LogEndpointsOnStart).
    [GeneratedRegex(@"DevServer orchestrator: gRPC \(h2c\) on (?<grpc>http://\S+), gRPC-Web on (?<web>http://\S+)$")]
    private static partial Regex ReadyLine();

    private sealed record ReadyAddresses(Uri Grpc, Uri Web);
}
