using System.Text;

namespace DevServer.Processes;

/// <summary>
/// Splits a stream into lines at '\n' (dropping a '\r' before it), decoding UTF-8. A line longer than the limit
/// (<see cref="ProcessSpec.MaxLineLength"/>, default <see cref="DefaultMaxLineBytes"/>) is cut there, at a character
/// boundary, and the rest of it is skipped: a child that writes megabytes without a line break must not grow the
/// runner's memory beyond what its spec allows.
/// </summary>
internal static class LineReader
{
    public const int DefaultMaxLineBytes = 64 * 1024;

    // The line buffer starts small and doubles up to the limit, so a generous limit costs memory only when used.
    private const int InitialLineBytes = 16 * 1024;

    public static async Task ReadAsync(Stream stream, int maxLineBytes, Action<string> onLine)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        var buffer = new byte[16 * 1024];
        var line = new byte[Math.Min(InitialLineBytes, maxLineBytes)];
        var length = 0;
        var cut = false;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            var rest = buffer.AsSpan(0, read);
            while (!rest.IsEmpty)
            {
                var end = rest.IndexOf((byte)'\n');
                var part = end < 0 ? rest : rest[..end];
                if (!cut)
                {
                    var room = maxLineBytes - length;
                    if (part.Length > room)
                    {
                        part = part[..room];
                        cut = true;
                    }

                    if (length + part.Length > line.Length)
                    {
                        Array.Resize(ref line, (int)Math.Min(maxLineBytes, Math.Max((long)line.Length * 2, length + part.Length)));
                    }

                    part.CopyTo(line.AsSpan(length));
                    length += part.Length;
                }

                if (end < 0)
                {
                    break;
                }

                onLine(Decode(line, length, cut));
                length = 0;
                cut = false;
                rest = rest[(end + 1)..];
            }
        }

        if (length > 0 || cut)
        {
            onLine(Decode(line, length, cut));
        }
    }

    private static string Decode(byte[] line, int length, bool cut)
    {
        if (cut)
        {
            // Do not leave half a character at the cut: step back to the start of the character that did not fit.
            var boundary = length;
            while (boundary > 0 && (line[boundary - 1] & 0xC0) == 0x80)
            {
                boundary--;
            }

            if (boundary > 0 && line[boundary - 1] >= 0xC0)
            {
                var width = line[boundary - 1] >= 0xF0 ? 4 : line[boundary - 1] >= 0xE0 ? 3 : 2;
                length = length - (boundary - 1) >= width ? length : boundary - 1;
            }
        }
        else if (length > 0 && line[length - 1] == (byte)'\r')
        {
            length--;
        }

        return Encoding.UTF8.GetString(line, 0, length);
    }
}
