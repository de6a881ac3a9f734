using DevServer.Benchmarks.Load;
using DevServer.Interop.Shared;
using DevServer.Testing;

namespace DevServer.Benchmarks;

/// <summary>The stacks measured side by side.</summary>
internal enum Contender
{
    /// <summary>Our server (Rpc.Server) and our client (RpcChannel + generated TestServiceClient).</summary>
    Ours,

    /// <summary>@grpc/grpc-js server and client (the Node peers in tests/Interop/node).</summary>
    GrpcJs,

    /// <summary>A bare Kestrel endpoint and a bare HttpClient moving the same bytes: the HTTP/2 ceiling.</summary>
    Raw,

    /// <summary>
    /// Raw plus Google.Protobuf: the same bare endpoints and client, but every message is built, serialized and
    /// parsed, as any gRPC runtime using protobuf messages must. Not a target; it splits the gap between ours and
    /// raw into what protobuf costs and what the runtime costs.
    /// </summary>
    RawProtobuf,
}

/// <summary>The shape of the load, identical for every contender.</summary>
/// <param name="Duration">The measured window of one measurement.</param>
/// <param name="Warmup">Load before the window (JIT, connection, pools); not counted.</param>
/// <param name="Concurrency">Calls in flight at once, all on one connection.</param>
/// <param name="Payload">Bytes of payload in each request and each response message.</param>
/// <param name="StreamMessages">Responses per server-streaming call.</param>
internal sealed record LoadShape(TimeSpan Duration, TimeSpan Warmup, int Concurrency, int Payload, int StreamMessages);

/// <summary>
/// The command line. Measuring: <c>[--seconds=10] [--warmup=5] [--concurrency=64] [--payload=100]
/// [--stream-messages=1000] [--rounds=1] [--only=ours,grpcjs,raw,raw-protobuf] [--modes=unary,streaming] [--node=node] [--node-peers=&lt;dir&gt;]</c>.
/// In process: <c>--in-process=read-path [--payload] [--stream-messages]</c>. Serving (the benchmark
/// re-launching itself): <c>--serve=ours|raw|raw-protobuf --port=0 [--payload] [--stream-messages] [--max-seconds]</c>.
/// </summary>
internal sealed record BenchFlags(
    LoadShape Shape,
    int Rounds,
    IReadOnlyList<Contender> Only,
    IReadOnlyList<LoadMode> Modes,
    string Node,
    // --node-peers; null for the repository's tests/Interop/node.
    string? NodePeersFlag,
    Contender? Serve,
    int Port,
    TimeSpan MaxRunTime,
    // --in-process=read-path: the in-process measurement of the client's read path instead of the network run.
    bool InProcessReadPath)
{
    /// <summary>
    /// Where bench-server.mjs and bench-client.mjs live. Resolved on use, so that runs without grpc-js (and the
    /// servers this program re-launches) do not need the Node peers installed.
    /// </summary>
    public string NodePeersDirectory => NodePeersFlag ?? RepositoryLayout.NodePeersDirectory;

    private static readonly Dictionary<string, string?> Spec = new()
    {
        ["seconds"] = "10",
        // Tier-0 code is several times slower than tier 1; on two shared cores the re-JIT with PGO takes seconds.
        ["warmup"] = "5",
        ["concurrency"] = "64",
        ["payload"] = "100",
        ["stream-messages"] = "1000",
        ["rounds"] = "1",
        ["only"] = "ours,grpcjs,raw,raw-protobuf",
        ["modes"] = "unary,streaming",
        ["node"] = "node",
        ["node-peers"] = "",
        ["serve"] = "",
        ["port"] = "0",
        ["max-seconds"] = "3600",
        ["in-process"] = "",
    };

    public static BenchFlags? Parse(IReadOnlyList<string> args, out string error)
    {
        if (Flags.Parse(args, Spec, out error) is not { } flags
            || flags.Int("seconds", 1, 3600, out error) is not { } seconds
            || flags.Int("warmup", 0, 600, out error) is not { } warmup
            || flags.Int("concurrency", 1, 10_000, out error) is not { } concurrency
            || flags.Int("payload", 0, 1024 * 1024, out error) is not { } payload
            || flags.Int("stream-messages", 1, 1_000_000, out error) is not { } streamMessages
            || flags.Int("rounds", 1, 100, out error) is not { } rounds
            || flags.Int("port", 0, 65535, out error) is not { } port
            || flags.Int("max-seconds", 1, 86_400, out error) is not { } maxSeconds
            || ParseContenders(flags["only"], out error) is not { } only
            || ParseModes(flags["modes"], out error) is not { } modes)
        {
            return null;
        }

        Contender? serve = null;
        if (flags["serve"].Length > 0)
        {
            if (ParseContenders(flags["serve"], out error) is not [var role] || role == Contender.GrpcJs)
            {
                error = $"--serve must be ours, raw or raw-protobuf, got '{flags["serve"]}'";
                return null;
            }

            serve = role;
        }

        if (flags["in-process"] is { Length: > 0 } inProcess && inProcess != "read-path")
        {
            error = $"--in-process must be read-path, got '{inProcess}'";
            return null;
        }

        var nodePeers = flags["node-peers"].Length > 0 ? flags["node-peers"] : null;
        var shape = new LoadShape(TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(warmup), concurrency, payload, streamMessages);
        return new BenchFlags(
            shape, rounds, only, modes, flags["node"], nodePeers, serve, port, TimeSpan.FromSeconds(maxSeconds), InProcessReadPath: flags["in-process"].Length > 0);
    }

    private static List<Contender>? ParseContenders(string text, out string error)
    {
        var contenders = new List<Contender>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Contender? contender = name.ToUpperInvariant() switch
            {
                "OURS" => Contender.Ours,
                "GRPCJS" or "GRPC-JS" => Contender.GrpcJs,
                "RAW" => Contender.Raw,
                "RAW-PROTOBUF" or "RAWPROTOBUF" => Contender.RawProtobuf,
                _ => null,
            };
            if (contender is not { } known)
            {
                error = $"unknown contender '{name}' (expected ours, grpcjs, raw or raw-protobuf)";
                return null;
            }

            if (!contenders.Contains(known))
            {
                contenders.Add(known);
            }
        }

        if (contenders.Count == 0)
        {
            error = "--only needs at least one of ours, grpcjs, raw, raw-protobuf";
            return null;
        }

        // Measured in a fixed order (ours, grpc-js, raw, raw + protobuf) whatever the order on the command line.
        contenders.Sort();
        error = string.Empty;
        return contenders;
    }

    private static List<LoadMode>? ParseModes(string text, out string error)
    {
        var modes = new List<LoadMode>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            LoadMode? mode = name.ToUpperInvariant() switch
            {
                "UNARY" => LoadMode.Unary,
                "STREAMING" or "STREAM" => LoadMode.Streaming,
                _ => null,
            };
            if (mode is not { } known)
            {
                error = $"unknown mode '{name}' (expected unary or streaming)";
                return null;
            }

            if (!modes.Contains(known))
            {
                modes.Add(known);
            }
        }

        // Measured in a fixed order whatever the order on the command line.
        modes.Sort();
        error = modes.Count == 0 ? "--modes needs at least one of unary, streaming" : string.Empty;
        return modes.Count == 0 ? null : modes;
    }
}
