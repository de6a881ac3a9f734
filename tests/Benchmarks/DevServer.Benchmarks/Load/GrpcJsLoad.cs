using System.Globalization;
using System.Text.Json;
using DevServer.Benchmarks.Peers;
using DevServer.Testing;

namespace DevServer.Benchmarks.Load;

/// <summary>
/// grpc-js's client against grpc-js's server: tests/Interop/node/bench-client.mjs runs the same closed loop (one
/// channel, <c>concurrency</c> loops, warm-up, window) in its own Node process and prints one JSON line.
/// </summary>
internal static class GrpcJsLoad
{
    // Node's start-up and the drain after the window come on top of warm-up and window.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(90);

    public static async Task<Measurement> RunAsync(LoadMode mode, ServerPeer server, LoadShape shape, BenchFlags flags, CancellationToken cancellationToken)
    {
        string[] arguments =
        [
            "bench-client.mjs",
            "--server_host=127.0.0.1",
            $"--server_port={server.Address.Port.ToString(CultureInfo.InvariantCulture)}",
            $"--mode={(mode == LoadMode.Unary ? "unary" : "stream")}",
            $"--concurrency={shape.Concurrency.ToString(CultureInfo.InvariantCulture)}",
            $"--seconds={((int)shape.Duration.TotalSeconds).ToString(CultureInfo.InvariantCulture)}",
            $"--warmup_seconds={((int)shape.Warmup.TotalSeconds).ToString(CultureInfo.InvariantCulture)}",
            $"--payload={shape.Payload.ToString(CultureInfo.InvariantCulture)}",
            $"--stream_messages={shape.StreamMessages.ToString(CultureInfo.InvariantCulture)}",
        ];
        await using var client = ChildProcess.Start(flags.Node, arguments, flags.NodePeersDirectory);
        var result = await client.WaitForExitAsync(shape.Warmup + shape.Duration + Slack, cancellationToken);
        if (result.TimedOut)
        {
            throw new TimeoutException($"bench-client.mjs did not finish in time and was killed.\n{result}");
        }

        var line = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'))
            ?? throw new InvalidOperationException($"`{client.CommandLine}` exited {result.ExitCode} without a result line.\n{result.StandardError}");
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        var errors = root.GetProperty("errors").GetInt64();
        var firstError = root.TryGetProperty("first_error", out var first) ? first.GetString() : null;
        if (result.ExitCode != 0 && errors == 0)
        {
            errors = 1;
            firstError ??= $"bench-client.mjs exited {result.ExitCode}: {result.StandardError.Trim()}";
        }

        return mode == LoadMode.Unary
            ? new Measurement(
                root.GetProperty("calls_per_second").GetDouble(),
                Optional(root, "p50_ms"),
                Optional(root, "p99_ms"),
                root.GetProperty("calls").GetInt64(),
                errors,
                firstError,
                Costs: null)
            : new Measurement(root.GetProperty("messages_per_second").GetDouble(), null, null, root.GetProperty("messages").GetInt64(), errors, firstError, Costs: null);
    }

    private static double? Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
