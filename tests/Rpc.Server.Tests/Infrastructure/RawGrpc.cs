using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Rpc.Wire;

namespace Rpc.Server.Tests.Infrastructure;

/// <summary>gRPC frames built and parsed by hand, independent of the runtime's own wire code.</summary>
public static class Frames
{
    public static byte[] Frame(ReadOnlySpan<byte> payload, byte flags = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    public static byte[] Header(uint length, byte flags = 0)
    {
        var header = new byte[5];
        header[0] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), length);
        return header;
    }

    public static byte[] Text(string value) => Frame(new StringValue { Value = value }.ToByteArray());

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    public static string ParseText(byte[] payload) => StringValue.Parser.ParseFrom(payload).Value;

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    public static byte[] Gunzip(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    public static byte[] Inflate(byte[] data)
    {
        using var zlib = new ZLibStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        zlib.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>Splits a body into frames; fails on a truncated frame.</summary>
    public static List<(byte Flags, byte[] Payload)> Parse(ReadOnlySpan<byte> body)
    {
        var frames = new List<(byte, byte[])>();
        while (!body.IsEmpty)
        {
            Assert.True(body.Length >= 5, "truncated frame header");
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body[1..]);
            Assert.True(body.Length >= 5 + length, "truncated frame payload");
            frames.Add((body[0], body.Slice(5, length).ToArray()));
            body = body[(5 + length)..];
        }

        return frames;
    }

    /// <summary>Reads one frame from a response stream, or null at its end.</summary>
    public static async Task<(byte Flags, byte[] Payload)?> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        var read = await stream.ReadAtLeastAsync(header, 5, throwOnEndOfStream: false, cancellationToken);
        if (read == 0)
        {
            return null;
        }

        Assert.Equal(5, read);
        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1))];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return (header[0], payload);
    }

    /// <summary>Decodes gRPC-Web text: base64 that may contain padding mid-stream (one padded block per flush).</summary>
    public static byte[] DecodeWebText(string text)
    {
        var output = new List<byte>();
        var block = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            block.Append(text[i]);
            if (block.Length % 4 == 0 && text[i] == '=')
            {
                output.AddRange(Convert.FromBase64String(block.ToString()));
                block.Clear();
            }
        }

        if (block.Length > 0)
        {
            output.AddRange(Convert.FromBase64String(block.ToString()));
        }

        return [.. output];
    }

    /// <summary>The name/value lines of a gRPC-Web trailers frame.</summary>
    public static Dictionary<string, string> ParseWebTrailers(byte[] payload) =>
        Encoding.ASCII.GetString(payload)
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
}

/// <summary>A finished raw call: status line, headers, body, trailers.</summary>
public sealed class RawResponse
{
    public required HttpStatusCode StatusCode { get; init; }

    public required Version Version { get; init; }

    public required Dictionary<string, string> Headers { get; init; }

    public required Dictionary<string, string> Trailers { get; init; }

    public required byte[] Body { get; init; }

    public string? Header(string name) => Headers.GetValueOrDefault(name);

    public string? Trailer(string name) => Trailers.GetValueOrDefault(name);

    public bool IsTrailersOnly => Headers.ContainsKey(GrpcProtocol.StatusTrailer) && Body.Length == 0 && Trailers.Count == 0;

    /// <summary>grpc-status from the trailers, a gRPC-Web trailers frame, or (trailers-only) the headers.</summary>
    public int? GrpcStatus => int.TryParse(Status(GrpcProtocol.StatusTrailer), out var code) ? code : null;

    public string? GrpcMessage => Status(GrpcProtocol.MessageTrailer) is { } message ? GrpcStatusMessage.Decode(message) : null;

    /// <summary>The body's frames; a gRPC-Web text body is base64-decoded first.</summary>
    public List<(byte Flags, byte[] Payload)> Frames => Infrastructure.Frames.Parse(
        IsWebText ? Infrastructure.Frames.DecodeWebText(Encoding.ASCII.GetString(Body)) : Body);

    private bool IsWebText => Header("content-type")?.StartsWith("application/grpc-web-text", StringComparison.Ordinal) == true;

    /// <summary>The payloads of the message frames (not the gRPC-Web trailers frame), as strings.</summary>
    public List<string> Texts => [.. Frames.Where(f => (f.Flags & 0x80) == 0).Select(f => Infrastructure.Frames.ParseText(f.Payload))];

    public Dictionary<string, string> WebTrailers =>
        Frames.Where(f => f.Flags == 0x80).Select(f => Infrastructure.Frames.ParseWebTrailers(f.Payload)).SingleOrDefault() ?? [];

    private string? Status(string name)
    {
        if (Trailers.TryGetValue(name, out var value) || Headers.TryGetValue(name, out value))
        {
            return value;
        }

        var isWeb = Header("content-type")?.StartsWith("application/grpc-web", StringComparison.Ordinal) == true;
        return isWeb && Body.Length > 0 ? WebTrailers.GetValueOrDefault(name) : null;
    }
}

/// <summary>Sends hand-crafted gRPC requests over a raw HttpClient.</summary>
public static class RawCalls
{
    public static HttpRequestMessage Request(string path, HttpContent content, string contentType = "application/grpc")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        return request;
    }

    public static HttpRequestMessage Request(string path, byte[] body, string contentType = "application/grpc") =>
        Request(path, new ByteArrayContent(body), contentType);

    public static async Task<RawResponse> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Prepare(client, request);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return ToRaw(response, body);
    }

    public static Task<RawResponse> CallAsync(
        HttpClient client, string path, byte[] body, string contentType = "application/grpc", Action<HttpRequestMessage>? configure = null)
    {
        var request = Request(path, body, contentType);
        configure?.Invoke(request);
        return SendAsync(client, request, TestContext.Current.CancellationToken);
    }

    /// <summary>A hand-made request message does not pick up the client's default version; give it that.</summary>
    public static HttpRequestMessage Prepare(HttpClient client, HttpRequestMessage request)
    {
        request.Version = client.DefaultRequestVersion;
        request.VersionPolicy = client.DefaultVersionPolicy;
        return request;
    }

    public static RawResponse ToRaw(HttpResponseMessage response, byte[] body) => new()
    {
        StatusCode = response.StatusCode,
        Version = response.Version,
        Headers = Flatten(response.Headers, response.Content.Headers),
        Trailers = Flatten(response.TrailingHeaders),
        Body = body,
    };

    private static Dictionary<string, string> Flatten(params HttpHeaders[] headers)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in headers)
        {
            foreach (var header in group.NonValidated)
            {
                result[header.Key.ToLowerInvariant()] = string.Join(",", header.Value);
            }
        }

        return result;
    }
}

/// <summary>A request body written piece by piece while the call runs (streaming requests, odd chunking).</summary>
public sealed class PushContent : HttpContent
{
    private readonly Channel<byte[]> _chunks = Channel.CreateUnbounded<byte[]>();

    public PushContent(params byte[][] chunks)
    {
        foreach (var chunk in chunks)
        {
            _chunks.Writer.TryWrite(chunk);
        }
    }

    public void Push(byte[] chunk) => Assert.True(_chunks.Writer.TryWrite(chunk));

    public void Complete() => _chunks.Writer.TryComplete();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await foreach (var chunk in _chunks.Reader.ReadAllAsync(cancellationToken))
        {
            await stream.WriteAsync(chunk, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
