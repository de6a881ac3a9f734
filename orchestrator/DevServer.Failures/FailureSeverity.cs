namespace DevServer.Failures;

/// <summary>Whether another attempt can fix a failure.</summary>
public enum FailureSeverity
{
    /// <summary>The code or the agent's approach is wrong, or the cause is transient: another attempt with the hint may succeed.</summary>
    Recoverable,

    /// <summary>The environment is wrong (credentials, disk, a missing toolchain, permissions): retrying cannot help.</summary>
    Hard,
}
