using Microsoft.AspNetCore.Http;
using Rpc.Wire;

namespace Rpc.Server.Calls;

/// <summary>Responses for requests that never become calls: wrong content type, wrong protocol, no such method.</summary>
internal static class RpcResponses
{
    private const string GrpcProto = "application/grpc+proto";
    private const string GrpcWebProto = "application/grpc-web+proto";
    private const string GrpcWebTextProto = "application/grpc-web-text+proto";

    /// <summary>415 with an INTERNAL status, as gRPC specifies for a content type the server does not serve.</summary>
    public static Task UnsupportedContentType(HttpContext http, RpcServerRuntime runtime)
    {
        var contentType = http.Request.ContentType;
        Log.UnsupportedContentType(runtime.Logger, http.Request.Path.Value ?? string.Empty, contentType);
        var response = http.Response;
        response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
        response.Headers[GrpcProtocol.StatusTrailer] = "13";
        response.Headers[GrpcProtocol.MessageTrailer] = GrpcStatusMessage.Encode($"Content-Type '{contentType}' is not supported.");
        return Task.CompletedTask;
    }

    /// <summary>426 with an INTERNAL status: plain gRPC needs HTTP/2 trailers, HTTP/1.1 can only carry gRPC-Web.</summary>
    public static Task UnsupportedProtocol(HttpContext http, RpcServerRuntime runtime)
    {
        var protocol = http.Request.Protocol;
        Log.UnsupportedProtocol(runtime.Logger, http.Request.Path.Value ?? string.Empty, protocol);
        var response = http.Response;
        response.StatusCode = StatusCodes.Status426UpgradeRequired;
        response.Headers[GrpcProtocol.StatusTrailer] = "13";
        response.Headers[GrpcProtocol.MessageTrailer] = GrpcStatusMessage.Encode($"Request protocol '{protocol}' is not supported; gRPC needs HTTP/2.");
        return Task.CompletedTask;
    }

    /// <summary>A trailers-only UNIMPLEMENTED response.</summary>
    public static Task Unimplemented(HttpContext http, RpcServerRuntime runtime, GrpcWireFormat format, string message)
    {
        Log.Unimplemented(runtime.Logger, http.Request.Path.Value ?? string.Empty);
        var response = http.Response;
        response.ContentType = ResponseContentType(http.Request.ContentType ?? string.Empty, format);
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = runtime.AcceptEncoding;
        response.Headers[GrpcProtocol.StatusTrailer] = "12";
        response.Headers[GrpcProtocol.MessageTrailer] = message;
        return Task.CompletedTask;
    }

    /// <summary>
    /// The response content type: the request's media type (without parameters), so a client gets back the
    /// family and subtype it spoke. The common values come back as cached strings.
    /// </summary>
    public static string ResponseContentType(string requestContentType, GrpcWireFormat format)
    {
        var span = requestContentType.AsSpan();
        var semicolon = span.IndexOf(';');
        if (semicolon >= 0)
        {
            span = span[..semicolon];
        }

        span = span.Trim();
        foreach (var known in (ReadOnlySpan<string>)
            [GrpcProtocol.GrpcContentType, GrpcProto, GrpcProtocol.GrpcWebContentType, GrpcWebProto, GrpcProtocol.GrpcWebTextContentType, GrpcWebTextProto])
        {
            if (span.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return span.IsEmpty
            ? format switch
            {
                GrpcWireFormat.Web => GrpcProtocol.GrpcWebContentType,
                GrpcWireFormat.WebText => GrpcProtocol.GrpcWebTextContentType,
                _ => GrpcProtocol.GrpcContentType,
            }
            : span.ToString().ToLowerInvariant();
    }
}
