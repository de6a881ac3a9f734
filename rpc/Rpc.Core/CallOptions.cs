namespace Rpc;

/// <summary>Per-call options of a client call.</summary>
/// <param name="Headers">Custom request metadata.</param>
/// <param name="Deadline">Absolute UTC deadline; sent as <c>grpc-timeout</c> and enforced locally.</param>
/// <param name="CancellationToken">Cancels the call (the server sees RST_STREAM).</param>
/// <param name="WriteOptions">Options for request writes.</param>
/// <param name="RequestCompression">
/// Encoding for request messages (e.g. <c>gzip</c>); null uses the channel's default (none unless configured).
/// </param>
// The parameter order mirrors grpc-dotnet's CallOptions(headers, deadline, cancellationToken, ...), so code moves
// between the two without edits.
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1068", Justification = "Mirrors grpc-dotnet's CallOptions.")]
public readonly record struct CallOptions(
    Metadata? Headers = null,
    DateTime? Deadline = null,
    CancellationToken CancellationToken = default,
    WriteOptions? WriteOptions = null,
    string? RequestCompression = null)
{
    public CallOptions WithHeaders(Metadata headers) => this with { Headers = headers };

    public CallOptions WithDeadline(DateTime deadline) => this with { Deadline = deadline };

    public CallOptions WithCancellationToken(CancellationToken cancellationToken) =>
        this with { CancellationToken = cancellationToken };
}
