using System.Buffers.Text;

namespace Rpc.Wire;

/// <summary>How metadata values travel in HTTP headers: ASCII as is, <c>-bin</c> values in base64.</summary>
public static class MetadataEncoding
{
    /// <summary>The header value for an entry. Binary values are sent unpadded, as the spec recommends.</summary>
    public static string EncodeValue(Metadata.Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes).TrimEnd('=') : entry.Value;
    }

    /// <summary>
    /// Adds the entries for one received header to <paramref name="metadata"/>. A binary header may hold several
    /// comma-separated base64 values (HTTP joins repeated headers that way); padded and unpadded are accepted.
    /// Returns false when a binary value is not valid base64.
    /// </summary>
    public static bool TryAddHeader(Metadata metadata, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!Metadata.Entry.IsBinaryKey(name))
        {
            metadata.Add(name, value);
            return true;
        }

        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TryDecodeBase64(part, out var bytes))
            {
                return false;
            }

            metadata.Add(name, bytes);
        }

        return true;
    }

    /// <summary>Decodes standard base64 with or without padding.</summary>
    public static bool TryDecodeBase64(string value, out byte[] bytes)
    {
        var padded = (value.Length % 4) switch
        {
            0 => value,
            2 => value + "==",
            3 => value + "=",
            _ => null,
        };
        bytes = [];
        if (padded is null)
        {
            return false;
        }

        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(padded.Length)];
        if (!Convert.TryFromBase64String(padded, buffer, out var written))
        {
            return false;
        }

        bytes = buffer.AsSpan(0, written).ToArray();
        return true;
    }
}
