using DevServer.Processes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DevServer.Verifier.Sandbox;

/// <summary>
/// At start, says once which sandbox the stages run in, and with bubblewrap first proves that it works here: bwrap runs
/// <c>true</c> with the namespaces, the home, the hides and the configured binds a stage gets, in a throwaway folder
/// that is not a worktree (so without the clone cache's mounts, which need a real checkout). A machine that forbids the
/// namespaces (or a bwrap that is not bubblewrap) stops the verifier with bwrap's own words, rather than failing every
/// verification, or running stages unsandboxed.
/// </summary>
internal sealed class SandboxStartup(StageSandbox sandbox, ILogger<SandboxStartup> logger) : IHostedService
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (sandbox.Mode == SandboxMode.None)
        {
            SandboxLog.NoSandbox(logger, SandboxOptions.Section);
            return;
        }

        var checkout = Directory.CreateTempSubdirectory("devserver-sandbox-check-");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            var probe = await ProcessRunner.CaptureAsync(sandbox.SpecFor("true", checkout.FullName), timeout.Token);
            if (probe.ExitCode != 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var said = $"{probe.StandardError}{probe.StandardOutput}".Trim();
                // A setting this machine cannot honour: reported like the options' own validation (WorkerStartup).
                throw new OptionsValidationException(SandboxOptions.Section, typeof(SandboxOptions), [
                    $"{SandboxOptions.Section}:Mode is Bubblewrap, but {sandbox.Program} cannot make a sandbox here "
                    + (probe.Cancelled ? $"(no answer within {ProbeTimeout.TotalSeconds:0} s)" : $"(exit code {probe.ExitCode})")
                    + (said.Length > 0 ? $": {said}" : "")
                    + $". It needs the package '{SandboxOptions.Package}' and Linux namespaces (unprivileged user namespaces, or running as root); "
                    + $"or set {SandboxOptions.Section}:Mode to None."]);
            }
        }
        finally
        {
            checkout.Delete(recursive: true);
        }

        SandboxLog.Bubblewrap(logger, sandbox.Program, sandbox.Network ? "on" : "off");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
