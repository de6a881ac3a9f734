using System.Diagnostics;
using DevServer.Orchestrator.Tests.Hosting;
using DevServer.Orchestrator.Tests.Infrastructure;
using DevServer.Processes;

namespace DevServer.Orchestrator.Tests.Data;

/// <summary>A SIGTERM while the embedded server hangs: the orchestrator still ends, cleanly, within its unit's stop timeout.</summary>
public sealed class HungDatabaseShutdownTests
{
    private const int TimeoutMs = 180_000;

    /// <summary>
    /// The host's 5 s here, plus one stopping loop held by the cancel request Npgsql sends inline (connect timeout 5 s,
    /// cancellation timeout 2 s), plus the embedded server's stop limit of 15 s; with the default 30 s it stays under
    /// the unit's TimeoutStopSec of 60 s.
    /// </summary>
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(35);

    [Fact(Timeout = TimeoutMs)]
    public async Task Sigterm_EmbeddedServerHangs_ExitsZeroInTimeAndTheServerStopsOnceItRunsAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var orchestrator = await OrchestratorProcess.StartAsync(ct, "--shutdownTimeoutSeconds=5");
        var pidFile = orchestrator.Data.PostmasterPidFile;
        await using var frozen = await FrozenServer.FreezeAsync(pidFile, ct);
        // Long enough for the loops (one round a second) and the health probe to be waiting on the server.
        await Task.Delay(TimeSpan.FromSeconds(3), ct);

        var stopping = Stopwatch.StartNew();
        var result = await orchestrator.Process.TerminateAsync(TimeSpan.FromSeconds(90), ct);
        stopping.Stop();

        Assert.False(result.TimedOut, $"The orchestrator did not stop within 90 s of SIGTERM while its database hung.\n{result}");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("Unhandled exception", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
        Assert.True(stopping.Elapsed < StopBound, $"Stopping took {stopping.Elapsed.TotalSeconds:0.0} s, more than {StopBound.TotalSeconds} s.\n{result}");

        // pg_ctl's fast-shutdown request waits in the frozen postmaster; running again, it stops and leaves nothing behind.
        await frozen.ThawAsync(ct);
        var thawed = Stopwatch.StartNew();
        while (PostmasterPid.ReadRunning(pidFile) is not null)
        {
            Assert.True(thawed.Elapsed < TimeSpan.FromSeconds(30), "The embedded server still runs 30 s after it was thawed.");
            await Task.Delay(200, ct);
        }
    }
}
