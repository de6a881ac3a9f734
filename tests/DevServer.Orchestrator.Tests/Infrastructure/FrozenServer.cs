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
    private string[] _processes;

    private FrozenServer(string[] processes) => _processes = processes;

    /// <summary>Freezes the server whose <c>postmaster.pid</c> is <paramref name="pidFile"/>.</summary>
    public static async Task<FrozenServer> FreezeAsync(string pidFile, CancellationToken cancellationToken)
    {
        var postmaster = PostmasterPid.ReadRunning(pidFile)?.Pid ?? throw new InvalidOperationException($"No running server has {pidFile}.");
        var processes = new[] { postmaster }.Concat(ProcFs.Children(postmaster)).Select(id => id.ToString(CultureInfo.InvariantCulture)).ToArray();
        await SignalAsync("-STOP", processes, cancellationToken);
        return new FrozenServer(processes);
    }

    public async Task ThawAsync(CancellationToken cancellationToken)
    {
        var processes = Interlocked.Exchange(ref _processes, []);
        if (processes.Length > 0)
        {
            await SignalAsync("-CONT", processes, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync() => await ThawAsync(CancellationToken.None);

    private static async Task SignalAsync(string signal, string[] processes, CancellationToken cancellationToken) =>
        // Exit code 1 only when a backend ended meanwhile; what matters is checked by its effect on the orchestrator.
        await ChildProcess.RunAsync("kill", [signal, .. processes], Path.GetTempPath(), TimeSpan.FromSeconds(10), cancellationToken);
}
