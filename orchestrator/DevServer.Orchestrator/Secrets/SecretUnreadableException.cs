namespace DevServer.Orchestrator.Secrets;

/// <summary>
/// A stored secret this orchestrator cannot decrypt: encrypted with another key, altered, or in an unknown format. The
/// message says what to do and never holds the value.
/// </summary>
internal sealed class SecretUnreadableException : Exception
{
    public SecretUnreadableException()
    {
    }

    public SecretUnreadableException(string message)
        : base(message)
    {
    }

    public SecretUnreadableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SecretUnreadableException(string message, string? neededKeyId)
        : base(message) => NeededKeyId = neededKeyId;

    /// <summary>The id of the key the value was encrypted with, when that is what stands in the way.</summary>
    public string? NeededKeyId { get; }
}
