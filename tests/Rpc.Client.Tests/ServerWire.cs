using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using Rpc.Wire;

namespace Rpc.Client.Tests;

/// <summary>
/// The server half of the protocol, written by hand for the tests: frames, HTTP trailers, gRPC-Web trailer frames.
/// Only the framing primitives of Rpc.Wire are reused; everything the client must get right is spelled out here.
/// </summary>
internal static class ServerWire
{
    public static readonly Marshaller<StringValue> Strings = Marshallers.ForProtobuf(StringValue.Parser);

    public static Method<StringValue, StringValue> Method(MethodType type, string name) =>
        new(type, GrpcTestServer.ServiceName, name, Strings, Strings);

    public static StringValue Text(string value) => new() { Value = value };

    /// <summary>Reads every request message (decompressing per the request's grpc-encoding).</summary>
    public static async Task<List<string>> ReadAllAsync(HttpContext context)
    {
        var reader = CreateReader(context);
        var messages = new List<string>();
        while (await reader.ReadAsync(context.Request.BodyReader, Strings, context.RequestAborted) is { } message)
        {
            messages.Add(message.Value);
        }

        return messages;
    }

    public static MessageReader CreateReader(HttpContext context)
    {
        if (!CompressionProviders.Default.TryGet(context.Request.Headers[GrpcProtocol.EncodingHeader], out var provider))
        {
            throw new InvalidOperationException("Unknown request encoding.");
        }

        return new MessageReader(null, provider);
    }

    /// <summary>Status 200 and a gRPC content type; the headers go out with the first flush.</summary>
    public static void Start(HttpContext context, string contentType = GrpcProtocol.GrpcContentType)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
    }

    public static async Task WriteAsync(HttpContext context, string value, ICompressionProvider? compression = null)
    {
        new MessageWriter(null).Write(context.Response.BodyWriter, Text(value), Strings, compression);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public static async Task WriteRawAsync(HttpContext context, ReadOnlyMemory<byte> bytes)
    {
        await context.Response.BodyWriter.WriteAsync(bytes, context.RequestAborted);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>One whole frame (prefix and payload) as bytes.</summary>
    public static byte[] Frame(string value, ICompressionProvider? compression = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new MessageWriter(null).Write(buffer, Text(value), Strings, compression);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Sets grpc-status (and grpc-message) as HTTP trailers.</summary>
    public static void Trailers(HttpContext context, StatusCode code, string? message = null)
    {
        context.Response.AppendTrailer(GrpcProtocol.StatusTrailer, ((int)code).ToString(CultureInfo.InvariantCulture));
        if (message is not null)
        {
            context.Response.AppendTrailer(GrpcProtocol.MessageTrailer, GrpcStatusMessage.Encode(message));
        }
    }

    /// <summary>A trailers-only response: the status in the headers, no body.</summary>
    public static void TrailersOnly(HttpContext context, StatusCode code, string? message = null)
    {
        Start(context);
        context.Response.Headers[GrpcProtocol.StatusTrailer] = ((int)code).ToString(CultureInfo.InvariantCulture);
        if (message is not null)
        {
            context.Response.Headers[GrpcProtocol.MessageTrailer] = GrpcStatusMessage.Encode(message);
        }
    }

    /// <summary>The whole request body of a gRPC-Web call, base64-decoded for grpc-web-text.</summary>
    public static async Task<List<string>> ReadAllWebAsync(HttpContext context, bool text)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var bytes = text ? Convert.FromBase64String(System.Text.Encoding.ASCII.GetString(body.ToArray())) : body.ToArray();
        var reader = new MessageReader(null, null);
        var pipe = PipeReader.Create(new ReadOnlySequence<byte>(bytes));
        var messages = new List<string>();
        while (await reader.ReadAsync(pipe, Strings, context.RequestAborted) is { } message)
        {
            messages.Add(message.Value);
        }

        return messages;
    }

    /// <summary>A gRPC-Web trailers frame (flag 0x80) for the status and trailers.</summary>
    public static byte[] WebTrailersFrame(StatusCode code, string? message = null, Metadata? trailers = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        GrpcWebTrailers.Write(buffer, new Status(code, message ?? string.Empty), trailers ?? Metadata.Empty);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes bytes to a gRPC-Web body, base64-encoding them on their own in text mode.</summary>
    public static async Task WriteWebAsync(HttpContext context, byte[] bytes, bool text)
    {
        var data = text ? System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes)) : bytes;
        await context.Response.Body.WriteAsync(data, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public static ByteString Bytes(params byte[] bytes) => ByteString.CopyFrom(bytes);
}
