namespace DevServer.Processes;

/// <summary>One line a child wrote, without its line break (and cut at <see cref="ProcessSpec.MaxLineLength"/>, 64 KiB unless the spec says otherwise).</summary>
public readonly record struct ProcessOutputLine(bool IsStandardError, string Text);

/// <summary>How a child ended.</summary>
/// <param name="ExitCode">
/// Its exit code; null when it was killed because it did not exit in its grace period. A child that ends on the
/// interrupt itself reports what the system reports for that (128 + 2).
/// </param>
/// <param name="Cancelled">True when it was stopped (cancellation, <see cref="RunningProcess.StopAsync"/>) before it ended on its own.</param>
/// <param name="Duration">From start to exit.</param>
public sealed record ProcessExit(int? ExitCode, bool Cancelled, TimeSpan Duration);

/// <summary>How a child ended and everything it wrote (lines joined with '\n').</summary>
public sealed record CapturedProcess(int? ExitCode, bool Cancelled, string StandardOutput, string StandardError, TimeSpan Duration);
