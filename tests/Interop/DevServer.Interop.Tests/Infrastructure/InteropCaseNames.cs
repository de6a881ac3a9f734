namespace DevServer.Interop.Tests.Infrastructure;

/// <summary>The case names of the standard interop tests, per what the transport can carry.</summary>
public static class InteropCaseNames
{
    private static readonly string[] WebCaseNames =
    [
        "empty_unary",
        "large_unary",
        "server_streaming",
        "custom_metadata",
        "status_code_and_message",
        "special_status_message",
        "unimplemented_method",
        "unimplemented_service",
    ];

    /// <summary>Every case over gRPC (HTTP/2): all that grpc-js's and our interop clients implement.</summary>
    public static TheoryData<string> Grpc { get; } =
    [
        "empty_unary",
        "large_unary",
        "client_compressed_unary",
        "server_compressed_unary",
        "client_streaming",
        "client_compressed_streaming",
        "server_streaming",
        "server_compressed_streaming",
        "ping_pong",
        "empty_stream",
        "custom_metadata",
        "status_code_and_message",
        "special_status_message",
        "unimplemented_method",
        "unimplemented_service",
        "cancel_after_begin",
        "cancel_after_first_response",
        "timeout_on_sleeping_server",
    ];

    /// <summary>The cases gRPC-Web can carry (unary, server streaming, metadata, status, unimplemented).</summary>
    public static TheoryData<string> Web { get; } = [.. WebCaseNames];

    /// <summary>connect's web client: the gRPC-Web cases plus its two hand-made grpc-web-text cases.</summary>
    public static TheoryData<string> ConnectWebClient { get; } = [.. WebCaseNames, "web_text_unary", "web_text_server_streaming"];
}
