using System.Buffers;
using System.Globalization;
using System.Text;

namespace Rpc.Wire;

/// <summary>
/// gRPC-Web's trailers frame: flag 0x80, a 4-byte length, then HTTP/1-style header lines
/// (<c>name: value\r\n</c>) carrying <c>grpc-status</c>, <c>grpc-message</c> and custom trailers.
/// </summary>
public static class GrpcWebTrailers
{
    /// <summary>Writes the trailers frame for a status and custom trailers.</summary>
    public static void Write(IBufferWriter<byte> output, Status status, Metadata trailers)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(trailers);
        var text = new StringBuilder();
        text.Append(GrpcProtocol.StatusTrailer).Append(": ")
            .Append(((int)status.StatusCode).ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        if (!string.IsNullOrEmpty(status.Detail))
        {
            text.Append(GrpcProtocol.MessageTrailer).Append(": ").Append(GrpcStatusMessage.Encode(status.Detail)).Append("\r\n");
        }

        foreach (var entry in trailers)
        {
            text.Append(entry.Key).Append(": ").Append(MetadataEncoding.EncodeValue(entry)).Append("\r\n");
        }

        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        var span = output.GetSpan(5);
        span[0] = GrpcProtocol.WebTrailersFlag;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)bytes.Length);
        output.Advance(5);
        output.Write(bytes);
    }

    /// <summary>
    /// Parses the body of a trailers frame (without its 5-byte prefix) into header name/value pairs, names
    /// lowercased. Malformed lines are skipped.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(ReadOnlySequence<byte> body)
    {
        var text = Encoding.ASCII.GetString(body.ToArray());
        var result = new List<KeyValuePair<string, string>>();
        foreach (var line in text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            result.Add(new(line[..colon].Trim().ToLowerInvariant(), line[(colon + 1)..].Trim()));
        }

        return result;
    }
}
