using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;

namespace Rpc.Server.Web;

/// <summary>
/// Decodes a gRPC-Web text request body (base64) into gRPC frames as it arrives. Chunk boundaries need not fall
/// on 4-character groups: an incomplete group stays in the inner reader until the rest arrives. Padding may
/// appear mid-stream (clients that encode each message separately), so each padded group ends a decode block.
/// </summary>
internal sealed class Base64PipeReader(PipeReader inner) : PipeReader
{
    private byte[] _buffer = new byte[512];
    private int _start;
    private int _end;
    private bool _innerCompleted;
    private bool _examinedAll;

    private ReadOnlySequence<byte> Decoded => new(_buffer, _start, _end - _start);

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_innerCompleted || (_end > _start && !_examinedAll))
            {
                return new ReadResult(Decoded, isCanceled: false, isCompleted: _innerCompleted);
            }

            var result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                inner.AdvanceTo(result.Buffer.Start);
                return new ReadResult(Decoded, isCanceled: true, isCompleted: false);
            }

            SequencePosition consumed;
            var before = _end;
            try
            {
                consumed = Decode(result.Buffer, result.IsCompleted);
            }
            catch
            {
                inner.AdvanceTo(result.Buffer.Start);
                throw;
            }

            inner.AdvanceTo(consumed, result.Buffer.End);
            if (result.IsCompleted)
            {
                _innerCompleted = true;
            }

            if (_end > before)
            {
                _examinedAll = false;
            }
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        if (_innerCompleted || (_end > _start && !_examinedAll))
        {
            result = new ReadResult(Decoded, isCanceled: false, isCompleted: _innerCompleted);
            return true;
        }

        result = default;
        return false;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        // Positions of a single-array sequence carry the array index.
        var consumedIndex = consumed.GetObject() is null ? _start : consumed.GetInteger();
        var examinedIndex = examined.GetObject() is null ? _start : examined.GetInteger();
        _examinedAll = examinedIndex >= _end;
        _start = consumedIndex;
        if (_start >= _end)
        {
            _start = _end = 0;
        }
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null)
    {
        // The inner reader belongs to the server; it completes it when the request ends.
    }

    /// <summary>Decodes every whole 4-character group (and, at the end, a final unpadded group); returns how far.</summary>
    private SequencePosition Decode(ReadOnlySequence<byte> input, bool final)
    {
        var data = input.IsSingleSegment ? input.FirstSpan : input.ToArray();
        var offset = 0;
        while (data.Length - offset >= 4)
        {
            var end = offset;
            while (data.Length - end >= 4)
            {
                end += 4;
                if (data[end - 1] == (byte)'=')
                {
                    break;
                }
            }

            DecodeBlock(data[offset..end]);
            offset = end;
        }

        if (final && offset < data.Length)
        {
            // A last group without its padding ("QQ" for "QQ=="), which lenient encoders produce.
            Span<byte> padded = stackalloc byte[4];
            var rest = data[offset..];
            if (rest.Length == 1)
            {
                throw InvalidBase64();
            }

            rest.CopyTo(padded);
            padded[rest.Length..].Fill((byte)'=');
            DecodeBlock(padded);
            offset = data.Length;
        }

        return input.GetPosition(offset);
    }

    private void DecodeBlock(ReadOnlySpan<byte> base64)
    {
        var needed = Base64.GetMaxDecodedFromUtf8Length(base64.Length);
        EnsureSpace(needed);
        var status = Base64.DecodeFromUtf8(base64, _buffer.AsSpan(_end), out var consumed, out var written, isFinalBlock: true);
        if (status != OperationStatus.Done || consumed != base64.Length)
        {
            throw InvalidBase64();
        }

        _end += written;
    }

    private void EnsureSpace(int needed)
    {
        if (_buffer.Length - _end >= needed)
        {
            return;
        }

        var live = _end - _start;
        var target = _buffer;
        if (_buffer.Length - live < needed)
        {
            target = new byte[Math.Max(_buffer.Length * 2, live + needed)];
        }

        Buffer.BlockCopy(_buffer, _start, target, 0, live);
        _buffer = target;
        _start = 0;
        _end = live;
    }

    private static RpcException InvalidBase64() =>
        new(new Status(StatusCode.Internal, "The gRPC-Web text request body is not valid base64."));
}
