namespace Rpc.CodeGen.Tests.Infrastructure;

/// <summary>A server call context for handlers invoked directly, without a server.</summary>
internal sealed class TestServerCallContext(string method) : ServerCallContext
{
    public override string Method { get; } = method;

    public override string Host => "localhost";

    public override string Peer => "ipv4:127.0.0.1:1";

    public override DateTime Deadline => DateTime.MaxValue;

    public override Metadata RequestHeaders { get; } = new();

    public override CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    public override Metadata ResponseTrailers { get; } = new();

    public override Status Status { get; set; } = Status.DefaultSuccess;

    public override WriteOptions? WriteOptions { get; set; }

    public override string? ResponseCompression { get; set; }

    public override IDictionary<object, object> UserState { get; } = new Dictionary<object, object>();

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders) => Task.CompletedTask;
}
