using DevServer.ServiceHosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>
/// How every worker program (sidecars, the verifier) runs: a start-up failure a person can fix — a setting the machine
/// cannot honour, reported as <see cref="OptionsValidationException"/> by the options' validation or a start-up check —
/// ends the program with its message on stderr and exit code 1, not with an unhandled-exception stack trace (which
/// `devserver up` would show as "ended by signal 6" with the message buried in the trace). Anything else is a bug and
/// keeps its stack trace. A background service that throws after start-up stops the host, and <c>Run</c> then returns
/// as after a normal stop: that ends the program with <see cref="ServiceFailureExit.ExitCode"/> (and a log line naming
/// the service) instead of 0, so that systemd's <c>Restart=on-failure</c> restarts the worker. It also opens the
/// worker's process group ledger (<c>&lt;workspace root&gt;/run/process-groups</c>) and stops what a previous life of
/// the worker, killed outright, left running (see <see cref="LeftoverProcesses"/>).
/// </summary>
public static class WorkerStartup
{
    /// <summary>Builds and runs the worker until it is stopped.</summary>
    /// <param name="builder">The configured worker.</param>
    /// <param name="program">What the worker is called in the message (e.g. "DevServer verifier").</param>
    /// <returns>The exit code: 0 after a normal stop, 1 when it could not start, <see cref="ServiceFailureExit.ExitCode"/> when a background service failed.</returns>
    public static int Run(HostApplicationBuilder builder, string program)
    {
        ArgumentNullException.ThrowIfNull(builder);
        try
        {
            var host = builder.Build();

            // Before any hosted service starts a child or connects: what a killed previous life of this worker left
            // running is stopped first, and every child from now on is recorded. The reap is bounded (a short grace,
            // then SIGKILL), so the start-up does not take a token.
            LeftoverProcesses.OpenAndReapAsync(host.Services, CancellationToken.None).GetAwaiter().GetResult();
            return ServiceFailureExit.RunAsync(host, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (OptionsValidationException exception)
        {
            Console.Error.WriteLine($"{program} cannot start: {exception.Message}");
            return 1;
        }
    }
}
