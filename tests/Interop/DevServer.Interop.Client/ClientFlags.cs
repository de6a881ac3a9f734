using DevServer.Interop.Shared;
using Rpc.Wire;

namespace DevServer.Interop.Client;

/// <summary>
/// The client's command line: <c>--server_host=H --server_port=P --test_case=NAME|all [--transport=h2|web|web_text]
/// [--use_tls=false] [--max_seconds=120]</c>.
/// </summary>
/// <param name="Address">The server's base address.</param>
/// <param name="TestCase">One case name, or <c>all</c>.</param>
/// <param name="Transport">gRPC over h2c, or gRPC-Web (binary or text) over HTTP/1.1.</param>
/// <param name="MaxRunTime">The whole run gives up after this long (exit code 3), so a hang never hangs the caller.</param>
internal sealed record ClientFlags(Uri Address, string TestCase, GrpcWireFormat Transport, TimeSpan MaxRunTime)
{
    private static readonly Dictionary<string, string?> Spec = new()
    {
        ["server_host"] = "127.0.0.1",
        ["server_port"] = null,
        ["test_case"] = null,
        ["transport"] = "h2",
        ["use_tls"] = "false",
        ["max_seconds"] = "120",
    };

    public static ClientFlags? Parse(IReadOnlyList<string> args, out string error)
    {
        if (Flags.Parse(args, Spec, out error) is not { } flags
            || flags.Int("server_port", 1, 65535, out error) is not { } port
            || !flags.PlaintextOnly(out error)
            || flags.Int("max_seconds", 1, 86400, out error) is not { } maxSeconds)
        {
            return null;
        }

        GrpcWireFormat? transport = flags["transport"] switch
        {
            "h2" => GrpcWireFormat.Grpc,
            "web" => GrpcWireFormat.Web,
            "web_text" => GrpcWireFormat.WebText,
            _ => null,
        };
        if (transport is null)
        {
            error = $"--transport must be h2, web or web_text, got '{flags["transport"]}'";
            return null;
        }

        var address = new UriBuilder(Uri.UriSchemeHttp, flags["server_host"], port).Uri;
        return new ClientFlags(address, flags["test_case"], transport.Value, TimeSpan.FromSeconds(maxSeconds));
    }
}
