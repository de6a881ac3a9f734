using DevServer.Testing;

namespace DevServer.Interop.Tests.Infrastructure;

/// <summary>Runs one interop case with one client program against a server port, and judges the outcome.</summary>
internal static class InteropClients
{
    // The clients give up on their own before this (--max_seconds), with a reason; this only catches a client
    // that hangs anyway.
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(90);
    private const string ClientMaxSeconds = "--max_seconds=60";

    /// <summary>Our interop client (DevServer.Interop.Client) over <paramref name="transport"/> (h2, web, web_text).</summary>
    public static Task<ProcessResult> RunOursAsync(int port, string testCase, string transport, CancellationToken cancellationToken) =>
        ChildProcess.RunAsync(
            BuiltPrograms.Dotnet,
            [InteropPrograms.ClientAssembly, "--server_host=127.0.0.1", $"--server_port={port}", $"--test_case={testCase}", $"--transport={transport}", ClientMaxSeconds],
            RepositoryLayout.Root,
            ClientTimeout,
            cancellationToken);

    /// <summary>A Node client from tests/Interop/node: interop-client.mjs (grpc-js) or web-client.mjs (connect).</summary>
    public static Task<ProcessResult> RunNodeAsync(string script, int port, string testCase, CancellationToken cancellationToken) =>
        ChildProcess.RunAsync(
            "node",
            [script, "--server_host=127.0.0.1", $"--server_port={port}", $"--test_case={testCase}", ClientMaxSeconds],
            RepositoryLayout.NodePeersDirectory,
            ClientTimeout,
            cancellationToken);

    /// <summary>
    /// Passes when the client exited 0 and reported the case as passed; otherwise fails with everything both sides
    /// said (the client's output and the end of the server's stderr), so the failure shows which side is wrong.
    /// </summary>
    public static void AssertPassed(ProcessResult result, string testCase, ServerFixture server)
    {
        if (result.ExitCode == 0 && result.StandardOutput.Contains($"PASS {testCase} (", StringComparison.Ordinal))
        {
            return;
        }

        Assert.Fail($"Interop case {testCase} failed.\n--- client ---\n{result}\n--- server ---\n{server.Describe()}");
    }
}
