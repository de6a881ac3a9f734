using System.Runtime.InteropServices;

namespace DevServer.Processes.Tests;

/// <summary>
/// Makes this test process ignore SIGINT until disposed, as a worker does when it was started in the background of a
/// non-interactive shell. Children started meanwhile inherit the ignored signal (exec keeps ignored signals ignored).
/// </summary>
internal sealed partial class IgnoredInterrupt : IDisposable
{
    private const int SigInt = 2;

    // Larger than struct sigaction on every Linux ABI (152 bytes on x86-64); the handler is its first field.
    private const int SigactionBufferSize = 512;

    // SIG_IGN.
    private static readonly nint IgnoreHandler = 1;

    private readonly byte[] _previous = new byte[SigactionBufferSize];

    public IgnoredInterrupt()
    {
        var ignore = new byte[SigactionBufferSize];
        BitConverter.TryWriteBytes(ignore, (long)IgnoreHandler);
        if (Sigaction(SigInt, ignore, _previous) != 0)
        {
            throw new InvalidOperationException($"sigaction failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Puts back the runtime's own SIGINT handling, flags and mask included.</summary>
    public void Dispose() => Sigaction(SigInt, _previous, null);

    [LibraryImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    private static partial int Sigaction(int signal, byte[] action, byte[]? previous);
}
