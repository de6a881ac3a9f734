using System.Globalization;
using System.Net.Http.Headers;
using Rpc.Wire;

namespace Rpc.Client.Http;

/// <summary>How a response's HTTP parts (status code, headers, trailers, transport errors) become gRPC status and metadata.</summary>
internal static class ResponseProtocol
{
    /// <summary>The status carried by <c>grpc-status</c>/<c>grpc-message</c>, or null when there is no <c>grpc-status</c>.</summary>
    public static Status? ReadStatus(HttpHeaders headers)
    {
        var values = headers.NonValidated;
        if (!values.TryGetValues(GrpcProtocol.StatusTrailer, out var code))
        {
            return null;
        }

        var message = values.TryGetValues(GrpcProtocol.MessageTrailer, out var m) ? m.ToString() : null;
        return ParseStatus(code.ToString(), message);
    }

    /// <summary>The status in a gRPC-Web trailers frame, or null when it has no <c>grpc-status</c>.</summary>
    public static Status? ReadStatus(IReadOnlyList<KeyValuePair<string, string>> trailers)
    {
        string? code = null;
        string? message = null;
        foreach (var (name, value) in trailers)
        {
            if (name == GrpcProtocol.StatusTrailer)
            {
                code = value;
            }
            else if (name == GrpcProtocol.MessageTrailer)
            {
                message = value;
            }
        }

        return code is null ? null : ParseStatus(code, message);
    }

    /// <summary>The custom metadata among headers or trailers (protocol headers left out; invalid entries skipped).</summary>
    public static Metadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers.NonValidated)
        {
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }

            foreach (var value in values)
            {
                TryAdd(metadata, name, value);
            }
        }

        return metadata;
    }

    /// <summary>The custom metadata of a gRPC-Web trailers frame.</summary>
    public static Metadata ToMetadata(IReadOnlyList<KeyValuePair<string, string>> trailers)
    {
        var metadata = new Metadata();
        foreach (var (name, value) in trailers)
        {
            if (!GrpcProtocol.IsReservedHeader(name))
            {
                TryAdd(metadata, name, value);
            }
        }

        return metadata;
    }

    /// <summary>
    /// The gRPC code for a response without <c>grpc-status</c> and an HTTP status other than 200, per gRPC's
    /// "HTTP to gRPC Status Code Mapping".
    /// </summary>
    public static StatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>The status for an exception from the handler or the response stream (the call was not cancelled locally).</summary>
    public static Status FromException(Exception exception)
    {
        if (exception is RpcException rpc)
        {
            return rpc.Status;
        }

        if (FindInner<HttpProtocolException>(exception) is { } protocol)
        {
            // The server reset the stream (RST_STREAM) or the connection broke the protocol: gRPC's mapping of
            // HTTP/2 error codes.
            var code = protocol.ErrorCode switch
            {
                0x7 => StatusCode.Unavailable,          // REFUSED_STREAM: not processed, safe to retry
                0x8 => StatusCode.Cancelled,            // CANCEL
                0xB => StatusCode.ResourceExhausted,    // ENHANCE_YOUR_CALM
                0xC => StatusCode.PermissionDenied,     // INADEQUATE_SECURITY
                _ => StatusCode.Internal,
            };
            return new Status(code, "The HTTP/2 stream was reset: " + protocol.Message, protocol);
        }

        return exception switch
        {
            HttpRequestException http => new Status(StatusCode.Unavailable, "Error connecting to the server: " + Describe(http), http),
            IOException io => new Status(StatusCode.Unavailable, "Error reading the response: " + Describe(io), io),
            InvalidDataException data => new Status(StatusCode.Internal, "Malformed response body: " + data.Message, data),
            OperationCanceledException cancelled => new Status(StatusCode.Cancelled, "The call was canceled.", cancelled),
            _ => new Status(StatusCode.Internal, "Error in the gRPC call: " + exception.GetType().Name + ": " + exception.Message, exception),
        };
    }

    private static Status ParseStatus(string code, string? message)
    {
        var detail = GrpcStatusMessage.Decode(message);
        if (!int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return new Status(StatusCode.Unknown, $"Malformed grpc-status '{code}'. {detail}".TrimEnd());
        }

        // A code this runtime does not know is UNKNOWN, as the gRPC status code list prescribes.
        return value <= (int)StatusCode.Unauthenticated
            ? new Status((StatusCode)value, detail)
            : new Status(StatusCode.Unknown, $"Unknown grpc-status {value}. {detail}".TrimEnd());
    }

    private static void TryAdd(Metadata metadata, string name, string value)
    {
        try
        {
            MetadataEncoding.TryAddHeader(metadata, name, value);
        }
        catch (ArgumentException)
        {
            // A header gRPC metadata cannot represent (e.g. a non-ASCII value from a proxy) is not worth failing
            // the call over.
        }
    }

    /// <summary>The exception's message with its inner causes (e.g. "Connection refused").</summary>
    private static string Describe(Exception exception)
    {
        var text = exception.Message;
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!text.Contains(inner.Message, StringComparison.Ordinal))
            {
                text += " (" + inner.Message + ")";
            }
        }

        return text;
    }

    private static T? FindInner<T>(Exception exception)
        where T : Exception
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }
}
