using Microsoft.Extensions.Logging;

namespace DevServer.Verifier.Sandbox;

internal static partial class SandboxLog
{
    [LoggerMessage(20, LogLevel.Information, "Verification stages run without a sandbox ({Section}:Mode=None): with the verifier's rights")]
    public static partial void NoSandbox(ILogger logger, string section);

    [LoggerMessage(21, LogLevel.Information, "Verification stages run in a bubblewrap sandbox ({Program}), network {Network}")]
    public static partial void Bubblewrap(ILogger logger, string program, string network);
}
