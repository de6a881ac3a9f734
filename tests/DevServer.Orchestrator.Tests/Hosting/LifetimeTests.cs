using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>How the orchestrator process ends: asked to (SIGTERM, as systemd or Kubernetes do) or killed with its test.</summary>
public sealed class LifetimeTests
{
    private const int TimeoutMs = 90_000;

    /// <summary>Generous for a graceful stop with no calls in flight; a hang is killed and fails the test.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    [Fact(Timeout = TimeoutMs)]
    public async Task Sigterm_WhileServing_StopsWithExitCodeZeroAndFreesThePort()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var orchestrator = await OrchestratorProcess.StartAsync(ct);

        var result = await orchestrator.Process.TerminateAsync(StopTimeout, ct);

        Assert.False(result.TimedOut, result.ToString());
        Assert.Equal(0, result.ExitCode);
        await AssertRefusedAsync(orchestrator.GrpcAddress, ct);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Dispose_WhileServing_KillsTheProcessAndFreesThePort()
    {
        var ct = TestContext.Current.CancellationToken;
        var orchestrator = await OrchestratorProcess.StartAsync(ct);
        var id = orchestrator.Process.Id;

        await orchestrator.DisposeAsync();

        // GetProcessById throws for a process id that no longer runs.
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(id).Dispose());
        await AssertRefusedAsync(orchestrator.GrpcAddress, ct);
    }

    private static async Task AssertRefusedAsync(Uri address, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var error = await Assert.ThrowsAsync<SocketException>(
            async () => await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, address.Port), cancellationToken));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }
}
