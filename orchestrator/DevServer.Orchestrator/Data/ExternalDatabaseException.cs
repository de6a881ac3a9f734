namespace DevServer.Orchestrator.Data;

/// <summary>
/// The external PostgreSQL server could not be used at start. <see cref="Retryable"/>: it could not be reached
/// within <see cref="DatabaseOptions.StartupWait"/>, which a later start may not meet again; otherwise it refused us
/// (a wrong password, a database that does not exist), which only a person can fix.
/// </summary>
internal sealed class ExternalDatabaseException : Exception
{
    public ExternalDatabaseException()
    {
    }

    public ExternalDatabaseException(string message)
        : base(message)
    {
    }

    public ExternalDatabaseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ExternalDatabaseException(string message, Exception innerException, bool retryable)
        : base(message, innerException)
    {
        Retryable = retryable;
    }

    public bool Retryable { get; }
}
