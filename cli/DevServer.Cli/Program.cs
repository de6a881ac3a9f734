using System.Runtime.InteropServices;
using DevServer.Cli;

// Ctrl+C and SIGTERM cancel the running command, which then stops what it started (children, streams) in order;
// a second Ctrl+C ends the process at once.
using var interrupt = new CancellationTokenSource();
void OnSignal(PosixSignalContext signal)
{
    if (!interrupt.IsCancellationRequested)
    {
        signal.Cancel = true;
        interrupt.Cancel();
    }
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
return await new CliApp(CliHost.ForConsole()).RunAsync(args, interrupt.Token);
