using DevServer.Interop.Shared;

namespace DevServer.Interop.Server;

/// <summary>The server's command line: <c>--port=N --web_port=M [--use_tls=false] [--max_seconds=600]</c>.</summary>
/// <param name="Port">gRPC over h2c; 0 picks a free port.</param>
/// <param name="WebPort">gRPC-Web over HTTP/1.1; 0 picks a free port.</param>
/// <param name="MaxRunTime">The server stops on its own after this long, so a test run that died never leaves it behind.</param>
internal sealed record ServerFlags(int Port, int WebPort, TimeSpan MaxRunTime)
{
    private static readonly Dictionary<string, string?> Spec = new()
    {
        ["port"] = null,
        ["web_port"] = "0",
        ["use_tls"] = "false",
        ["max_seconds"] = "600",
    };

    public static ServerFlags? Parse(IReadOnlyList<string> args, out string error)
    {
        if (Flags.Parse(args, Spec, out error) is not { } flags
            || flags.Int("port", 0, 65535, out error) is not { } port
            || flags.Int("web_port", 0, 65535, out error) is not { } webPort
            || !flags.PlaintextOnly(out error)
            || flags.Int("max_seconds", 1, 86400, out error) is not { } maxSeconds)
        {
            return null;
        }

        return new ServerFlags(port, webPort, TimeSpan.FromSeconds(maxSeconds));
    }
}
