using System.Buffers;
using System.Buffers.Text;

namespace Rpc.Client.Web;

/// <summary>
/// Decodes a grpc-web-text response body as it arrives. The server may base64-encode each write on its own, so
/// padding can appear in the middle of the body: decoding goes in whole 4-character groups, and a group that ends in
/// padding simply yields fewer bytes.
/// </summary>
internal sealed class Base64DecodingStream(Stream inner) : Stream
{
    private readonly byte[] _encoded = new byte[8 * 1024];
    private readonly byte[] _decoded = new byte[6 * 1024];
    private int _encodedCount;
    private int _decodedOffset;
    private int _decodedCount;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_decodedCount == 0)
        {
            var read = await inner.ReadAsync(_encoded.AsMemory(_encodedCount), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return _encodedCount == 0
                    ? 0
                    : throw new InvalidDataException("The grpc-web-text body ended inside a base64 group.");
            }

            _encodedCount += read;
            Decode();
        }

        var count = Math.Min(buffer.Length, _decodedCount);
        _decoded.AsSpan(_decodedOffset, count).CopyTo(buffer.Span);
        _decodedOffset += count;
        _decodedCount -= count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The response body is read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Decode()
    {
        var whole = _encodedCount & ~3;
        var source = _encoded.AsSpan(0, whole);
        var written = 0;
        while (!source.IsEmpty)
        {
            // Decode up to and including the next group that ends in padding, as a final block of its own.
            var padding = source.IndexOf((byte)'=');
            var end = padding < 0 ? source.Length : Math.Min(source.Length, ((padding / 4) + 1) * 4);
            var status = Base64.DecodeFromUtf8(source[..end], _decoded.AsSpan(written), out var consumed, out var produced);
            if (status != OperationStatus.Done || consumed != end)
            {
                throw new InvalidDataException("The grpc-web-text body is not valid base64.");
            }

            written += produced;
            source = source[end..];
        }

        _encoded.AsSpan(whole, _encodedCount - whole).CopyTo(_encoded);
        _encodedCount -= whole;
        _decodedOffset = 0;
        _decodedCount = written;
    }
}
