using System.Diagnostics;
using System.Globalization;
using DevServer.Contracts;
using DevServer.Contracts.Tasks.V1;
using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

using DevServer.Pipeline.Testing;
using DevServer.Testing;

namespace DevServer.Pipeline.Tests;

/// <summary>The orchestrator's database goes away under it: its embedded server killed, or an external one stopped.</summary>
public sealed class DatabaseOutageTests
{
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task EmbeddedServerKilledMidTask_TheOrchestratorStartsItAgain_AndNoEventIsLostOrDuplicated()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("pg-killed", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        var started = Path.Combine(host.Root, "agent-started");
        host.StartScriptSidecar("sidecar", TalkingAgent.Command(started));
        await host.AddSampleRepositoryAsync(ct);
        var during = await host.Tasks().CreateTaskAsync(
            new CreateTaskRequest { Repository = "sample", Title = "Through the outage", Enqueue = true, SkipVerification = true }, cancellationToken: ct);
        await PipelineHost.WaitForFileAsync(started, ct);

        // SIGKILL to the postmaster, as the OOM killer or a careless admin would: no shutdown, its pid file left behind.
        var postmaster = ReadPostmasterPid(host);
        KillProcess(postmaster);
        // Its sessions end within moments of it; until then they could still answer a call.
        await WaitUntilDeadAsync(postmaster, ct);
        await Task.Delay(500, ct);

        // A client calls on through the outage: each call succeeds or answers UNAVAILABLE ("try again"), never a
        // handler's UNKNOWN; it retries, as clients of a gRPC service do.
        var waiting = Stopwatch.StartNew();
        CreateTaskResponse after;
        while (true)
        {
            try
            {
                after = await host.Tasks().CreateTaskAsync(
                    new CreateTaskRequest { Repository = "sample", Title = "After the outage", Enqueue = true, SkipVerification = true }, cancellationToken: ct);
                break;
            }
            catch (RpcException exception) when (exception.StatusCode == StatusCode.Unavailable && waiting.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200, ct);
            }
        }

        var restarted = ReadPostmasterPid(host);
        Assert.NotEqual(postmaster, restarted);
        Assert.True(ProcFs.IsRunning(restarted), "The orchestrator did not start its embedded PostgreSQL again.");

        // Everything that held a connection (the event pump, LISTEN, Quartz, the mesh) works again.
        var finished = await host.WaitForStatusAsync(after.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed);
        Assert.Equal(TaskStatus.Done, finished.Task.Status);

        // The task that ran through the outage.
        var survivor = await host.WaitForStatusAsync(during.Task.Id, TaskTimeout, ct, TaskStatus.Done, TaskStatus.Failed);
        await TalkingAgent.AssertEveryLineStoredOnceAsync(host, survivor, ct);
        Assert.True(ProcFs.IsRunning(host.Orchestrator!.Id), host.Orchestrator.StandardOutput);
    }

    [Fact]
    public async Task ExternalDatabaseGone_SigtermStopsTheOrchestratorWithinItsShutdownTimeout()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = new PipelineHost("pg-gone", typeof(PipelineTests).Assembly);
        await host.StartOrchestratorAsync(ct);
        // The second orchestrator's database is the first one's server: to the second, an external PostgreSQL.
        var (second, _) = await host.StartSecondOrchestratorAsync(ct, "--shutdownTimeoutSeconds=5");
        // Its Quartz scheduler takes part in the cluster: it holds triggers when the database goes.
        await Task.Delay(TimeSpan.FromSeconds(3), ct);

        // The first orchestrator crashes, so nothing starts the server again, and then the server is killed too.
        var postmaster = ReadPostmasterPid(host);
        await host.Orchestrator!.CrashAsync(ct);
        KillProcess(postmaster);
        await Task.Delay(TimeSpan.FromSeconds(3), ct);

        var stopping = Stopwatch.StartNew();
        var secondStop = await second.TerminateAsync(TimeSpan.FromSeconds(40), ct);
        Assert.False(secondStop.TimedOut, $"The orchestrator did not stop within 40 s of SIGTERM without its database.\n{secondStop}");
        Assert.Equal(0, secondStop.ExitCode);
        // The host's 5 s shutdown limit bounds the stop (Quartz, which keeps retrying the database, is given up on).
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(20), $"The stop took {stopping.Elapsed.TotalSeconds:F1} s.\n{secondStop}");
    }

    private static void KillProcess(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill();
    }

    private static int ReadPostmasterPid(PipelineHost host) =>
        int.Parse(File.ReadLines(Path.Combine(LocalInstallation.EmbeddedClusterDirectory(host.DataDirectory), "postmaster.pid")).First(), CultureInfo.InvariantCulture);


    private static async Task WaitUntilDeadAsync(int pid, CancellationToken cancellationToken)
    {
        var waiting = Stopwatch.StartNew();
        while (ProcFs.IsRunning(pid))
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(30), $"Process {pid} did not die.");
            await Task.Delay(50, cancellationToken);
        }
    }
}
