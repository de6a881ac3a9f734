using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Rpc.Wire;

namespace Rpc.Server;

public static class RpcCorsExtensions
{
    /// <summary>Response headers a browser's gRPC-Web client must be able to read.</summary>
    public static IReadOnlyList<string> ExposedHeaders { get; } =
    [
        GrpcProtocol.StatusTrailer,
        GrpcProtocol.MessageTrailer,
        GrpcProtocol.EncodingHeader,
        GrpcProtocol.AcceptEncodingHeader,
    ];

    /// <summary>Request headers gRPC-Web clients send.</summary>
    public static IReadOnlyList<string> RequestHeaders { get; } =
    [
        "x-grpc-web",
        "x-user-agent",
        GrpcProtocol.TimeoutHeader,
        GrpcProtocol.ContentTypeHeader,
        GrpcProtocol.EncodingHeader,
        GrpcProtocol.AcceptEncodingHeader,
    ];

    /// <summary>
    /// Adds what a gRPC-Web call needs to a CORS policy: POST, the gRPC-Web request headers and the exposed
    /// status headers. Custom metadata headers your clients send must be added too (or call
    /// <c>AllowAnyHeader()</c> after this; it replaces the header list).
    /// </summary>
    public static CorsPolicyBuilder WithRpcWebHeaders(this CorsPolicyBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .WithMethods(HttpMethods.Post)
            .WithHeaders([.. RequestHeaders])
            .WithExposedHeaders([.. ExposedHeaders]);
    }
}
