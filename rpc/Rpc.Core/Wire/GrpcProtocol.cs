namespace Rpc.Wire;

/// <summary>Names and values of the gRPC over HTTP/2 protocol (and gRPC-Web's variations of it).</summary>
public static class GrpcProtocol
{
    public const string StatusTrailer = "grpc-status";
    public const string MessageTrailer = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string ContentTypeHeader = "content-type";
    public const string TeHeader = "te";
    public const string UserAgentHeader = "user-agent";
    public const string IdentityEncoding = "identity";

    public const string GrpcContentType = "application/grpc";
    public const string GrpcWebContentType = "application/grpc-web";
    public const string GrpcWebTextContentType = "application/grpc-web-text";

    /// <summary>The flag bit of a message frame's first byte that marks a compressed payload.</summary>
    public const byte CompressedFlag = 0x01;

    /// <summary>The flag bit of a gRPC-Web frame's first byte that marks the trailers frame.</summary>
    public const byte WebTrailersFlag = 0x80;

    /// <summary>The default limit for a received or sent message: 4 MiB.</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>Which flavour of the protocol a content type names, or null when it is not gRPC.</summary>
    public static GrpcWireFormat? ParseContentType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return null;
        }

        var span = contentType.AsSpan();
        var semicolon = span.IndexOf(';');
        if (semicolon >= 0)
        {
            span = span[..semicolon];
        }

        span = span.Trim();
        if (MatchesWithSubtype(span, GrpcWebTextContentType))
        {
            return GrpcWireFormat.WebText;
        }

        if (MatchesWithSubtype(span, GrpcWebContentType))
        {
            return GrpcWireFormat.Web;
        }

        if (MatchesWithSubtype(span, GrpcContentType))
        {
            return GrpcWireFormat.Grpc;
        }

        return null;
    }

    /// <summary>True for <paramref name="baseType"/> itself or <paramref name="baseType"/>+subtype (e.g. +proto).</summary>
    private static bool MatchesWithSubtype(ReadOnlySpan<char> value, string baseType)
    {
        if (!value.StartsWith(baseType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return value.Length == baseType.Length || value[baseType.Length] == '+';
    }

    /// <summary>Header names that belong to the transport and are never surfaced as custom metadata.</summary>
    public static bool IsReservedHeader(string name) =>
        name.Length > 0 && (name[0] == ':'
            || name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
            || name.Equals(ContentTypeHeader, StringComparison.OrdinalIgnoreCase)
            || name.Equals(TeHeader, StringComparison.OrdinalIgnoreCase)
            || name.Equals("host", StringComparison.OrdinalIgnoreCase)
            || name.Equals("connection", StringComparison.OrdinalIgnoreCase)
            || name.Equals("content-length", StringComparison.OrdinalIgnoreCase)
            || name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase)
            || name.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)
            || name.Equals("upgrade", StringComparison.OrdinalIgnoreCase)
            || name.Equals("accept-encoding", StringComparison.OrdinalIgnoreCase));
}

/// <summary>The three framings a gRPC call can use on the wire.</summary>
public enum GrpcWireFormat
{
    /// <summary>gRPC over HTTP/2: messages in the body, status in HTTP trailers.</summary>
    Grpc,

    /// <summary>gRPC-Web binary: status in a trailers frame (flag 0x80) at the end of the body.</summary>
    Web,

    /// <summary>gRPC-Web text: the gRPC-Web body, base64-encoded.</summary>
    WebText,
}
