using System.Globalization;
using DevServer.Processes;
using DevServer.Testing;

namespace DevServer.Orchestrator.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server that hangs: its postmaster and every process below it stopped with SIGSTOP, the way a frozen VM
/// or a network cut without a reset looks to a client. It answers neither queries nor the cancel requests Npgsql sends
/// for them, yet the watchdog still sees it alive. Disposing thaws it (SIGCONT).
/// </summary>
internal sealed class FrozenServer : IAsyncDisposable
{
    private int[] _processes;

    private FrozenServer(int[] processes) => _processes = processes;

    /// <summary>Freezes the server whose <c>postmaster.pid</c> is <paramref name="pidFile"/>.</summary>
    public static async Task<FrozenServer> FreezeAsync(string pidFile, CancellationToken cancellationToken)
    {
        var postmaster = PostmasterPid.ReadRunning(pidFile)?.Pid ?? throw new InvalidOperationException($"No running server has {pidFile}.");
        // The postmaster first: stopped, it forks no new backend, so the list of its children read next is complete. (A
        // backend forked between reading the list and stopping the postmaster stayed running and answered the queries.)
        await SignalAsync("-STOP", [postmaster], cancellationToken);
        int[] backends = [.. ProcFs.Children(postmaster)];
        await SignalAsync("-STOP", backends, cancellationToken);
        return new FrozenServer([postmaster, .. backends]);
    }

    public Task ThawAsync(CancellationToken cancellationToken) => SignalAsync("-CONT", Interlocked.Exchange(ref _processes, []), cancellationToken);

    public async ValueTask DisposeAsync() => await ThawAsync(CancellationToken.None);

    private static async Task SignalAsync(string signal, int[] processes, CancellationToken cancellationToken)
    {
        if (processes.Length > 0)
        {
            // Exit code 1 only when a backend ended meanwhile; what matters is checked by its effect on the orchestrator.
            string[] arguments = [signal, .. processes.Select(id => id.ToString(CultureInfo.InvariantCulture))];
            await ChildProcess.RunAsync("kill", arguments, Path.GetTempPath(), TimeSpan.FromSeconds(10), cancellationToken);
        }
    }
}
