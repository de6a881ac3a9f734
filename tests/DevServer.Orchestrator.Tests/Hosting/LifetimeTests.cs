using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DevServer.Orchestrator.Tests.Infrastructure;
using Rpc.Client;
using Rpc.Reflection.V1;

namespace DevServer.Orchestrator.Tests.Hosting;

/// <summary>How the orchestrator process ends: asked to (SIGTERM, as systemd or Kubernetes do) or killed with its test.</summary>
public sealed class LifetimeTests
{
    private const int TimeoutMs = 90_000;

    /// <summary>Generous for a graceful stop with no calls in flight; a hang is killed and fails the test.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    [Fact(Timeout = TimeoutMs)]
    public async Task Sigterm_WhileServing_StopsWithExitCodeZeroFreesThePortAndStopsPostgres()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var orchestrator = await OrchestratorProcess.StartAsync(ct);
        var runningPostgres = File.Exists(orchestrator.Data.PostmasterPidFile);

        var result = await orchestrator.Process.TerminateAsync(StopTimeout, ct);

        Assert.False(result.TimedOut, result.ToString());
        Assert.Equal(0, result.ExitCode);
        await AssertRefusedAsync(orchestrator.GrpcAddress, ct);
        Assert.True(runningPostgres, "No embedded PostgreSQL was running while the orchestrator served.");
        Assert.False(File.Exists(orchestrator.Data.PostmasterPidFile), $"The embedded PostgreSQL still runs.\n{result}");
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task Restart_AfterKill_ReusesTheRunningPostgresAndKeepsTheTokens()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var data = new OrchestratorDataDirectory();
        var first = await OrchestratorProcess.StartAsync(data, ct);
        var postgres = await File.ReadAllLinesAsync(data.PostmasterPidFile, ct);
        var admin = data.ReadAdminToken();
        await first.DisposeAsync();

        await using var second = await OrchestratorProcess.StartAsync(data, ct);

        Assert.Contains("reusing the server still running", second.Process.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(postgres[0], (await File.ReadAllLinesAsync(data.PostmasterPidFile, ct))[0]);
        Assert.Equal(admin, data.ReadAdminToken());
        using var channel = RpcChannel.ForAddress(second.GrpcAddress);
        using var call = new ServerReflection.ServerReflectionClient(channel.CreateCallInvoker().WithBearerToken(admin)).ServerReflectionInfo(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "*" }, ct);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(ct), second.Process.StandardOutput);
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
