namespace Rpc;

/// <summary>The outcome of a call: a code and a human-readable detail (sent as <c>grpc-message</c>).</summary>
/// <param name="StatusCode">The status code.</param>
/// <param name="Detail">The message; never null.</param>
/// <param name="DebugException">A local exception that caused the status; never sent over the wire.</param>
public readonly record struct Status(StatusCode StatusCode, string Detail, Exception? DebugException = null)
{
    public static readonly Status DefaultSuccess = new(StatusCode.OK, string.Empty);
    public static readonly Status DefaultCancelled = new(StatusCode.Cancelled, string.Empty);

    public override string ToString() => DebugException is null
        ? $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\")"
        : $"Status(StatusCode=\"{StatusCode}\", Detail=\"{Detail}\", DebugException=\"{DebugException.GetType()}: {DebugException.Message}\")";
}
