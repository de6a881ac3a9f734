using System.Globalization;
using System.Net;
using System.Reflection;
using DevServer.Benchmarks.Serving;
using DevServer.Testing;

namespace DevServer.Benchmarks.Peers;

/// <summary>
/// One server under test, in its own process on 127.0.0.1: ours and raw are this program re-launched with
/// <c>--serve</c>; grpc-js is tests/Interop/node/bench-server.mjs. The .NET ones also answer
/// <c>GET /bench/stats</c> (on a connection of its own, so the load's connection stays the only one measured).
/// </summary>
internal sealed class ServerPeer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    // How long a server gets to stop by itself once its stdin is closed, before its tree is killed.
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly ChildProcess _process;
    private readonly HttpClient? _stats;

    private ServerPeer(Contender contender, ChildProcess process, Uri address)
    {
        Contender = contender;
        _process = process;
        Address = address;
        if (contender != Contender.GrpcJs)
        {
            _stats = new HttpClient(new SocketsHttpHandler())
            {
                BaseAddress = Address,
                DefaultRequestVersion = HttpVersion.Version20,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
        }
    }

    public Contender Contender { get; }

    public Uri Address { get; }

    public static async Task<ServerPeer> StartAsync(Contender contender, BenchFlags flags, TimeSpan maxRunTime, CancellationToken cancellationToken)
    {
        var maxSeconds = ((int)Math.Ceiling(maxRunTime.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var process = contender switch
        {
            Contender.GrpcJs => ChildProcess.Start(
                flags.Node,
                ["bench-server.mjs", "--port=0", $"--max_seconds={maxSeconds}"],
                flags.NodePeersDirectory),
            _ => StartSelf(
                [
                    $"--serve={ServeName(contender)}",
                    "--port=0",
                    $"--payload={flags.Shape.Payload.ToString(CultureInfo.InvariantCulture)}",
                    $"--stream-messages={flags.Shape.StreamMessages.ToString(CultureInfo.InvariantCulture)}",
                    $"--max-seconds={maxSeconds}",
                ]),
        };
        try
        {
            var address = await process.WaitForLineAsync(ParseReadyLine, StartTimeout, cancellationToken);
            var peer = new ServerPeer(contender, process, address);
            if (peer._stats is not null)
            {
                // Opens the stats connection now, before any load-side connection is counted.
                await peer.StatsAsync(cancellationToken);
            }

            return peer;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>The server's own counters; null for grpc-js, which has none.</summary>
    public async Task<ServerStats?> StatsAsync(CancellationToken cancellationToken) =>
        _stats is null ? null : ServerStats.Parse(await _stats.GetStringAsync(ServerStats.Path, cancellationToken));

    public ProcessMemory ReadMemory() => _process.ReadMemory();

    /// <summary>Lets a .NET server stop by itself (it exits at the end of its stdin), then kills what still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        _stats?.Dispose();
        try
        {
            // bench-server.mjs ignores its stdin: waiting on it would only add the grace period.
            if (Contender != Contender.GrpcJs)
            {
                await _process.CloseInputAsync(StopGrace, CancellationToken.None);
            }
        }
        finally
        {
            await _process.DisposeAsync();
        }
    }

    /// <summary>The <c>--serve</c> value that makes this program the contender's server.</summary>
    private static string ServeName(Contender contender) => contender switch
    {
        Contender.Ours => "ours",
        Contender.RawProtobuf => "raw-protobuf",
        _ => "raw",
    };

    /// <summary>This program again: the apphost directly, or <c>dotnet DevServer.Benchmarks.dll</c> when run that way.</summary>
    private static ChildProcess StartSelf(IReadOnlyList<string> arguments)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's own executable is unknown.");
        var entry = Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("The benchmark's entry assembly is unknown.");
        IReadOnlyList<string> command = Path.GetFileNameWithoutExtension(host) == "dotnet" ? [entry, .. arguments] : arguments;
        return ChildProcess.Start(host, command, AppContext.BaseDirectory);
    }

    private static Uri? ParseReadyLine(string line) =>
        line.StartsWith("listening on ", StringComparison.Ordinal)
        && int.TryParse(line.AsSpan("listening on ".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}")
            : null;
}
