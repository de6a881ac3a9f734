using System.Buffers;
using System.Buffers.Text;
using Rpc.Client.Http;
using Rpc.Wire;

namespace Rpc.Client;

/// <summary>The request side of a call: the single request frame, or the request stream of a streaming call.</summary>
internal sealed partial class ClientCall<TRequest, TResponse> : IClientStreamWriter<TRequest>
{
    // A streaming call keeps its write buffer between messages; one that grew past this is dropped after the write.
    private const int MaxRetainedWriteBuffer = 64 * 1024;

    private StreamingRequestContent? _requestContent;
    private Task<TResponse>? _clientStreamingResponse;
    private MessageWriter? _writer;
    private ArrayBufferWriter<byte>? _writeBuffer;
    private int _writing;
    private bool _requestCompleted;

    public WriteOptions? WriteOptions { get; set; }

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var content = _requestContent ?? throw new InvalidOperationException("This call has no request stream.");
        if (_requestCompleted)
        {
            throw new InvalidOperationException("Can't write the message because the request stream has been completed.");
        }

        if (Volatile.Read(ref _outcome) is { } ended)
        {
            throw WriteAfterEnd(ended);
        }

        if (Interlocked.Exchange(ref _writing, 1) != 0)
        {
            throw new InvalidOperationException("Can't write the message because the previous write is in progress.");
        }

        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((ClientCall<TRequest, TResponse>)state!).Finish(CancelledByToken, abort: true), this)
            : default;
        try
        {
            var frame = SerializeStreamFrame(message);
            await content.WriteAsync(frame, flush: ((WriteOptions?.Flags ?? WriteFlags.None) & WriteFlags.BufferHint) == 0).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The token stays registered while the failure is explained: that may wait for the response, and the
            // caller can still give up on it.
            throw await WriteFailureAsync(ex).ConfigureAwait(false);
        }
        finally
        {
            registration.Dispose();
            if (_writeBuffer is { Capacity: > MaxRetainedWriteBuffer })
            {
                _writeBuffer = null;
            }

            Volatile.Write(ref _writing, 0);
        }
    }

    public Task CompleteAsync()
    {
        var content = _requestContent ?? throw new InvalidOperationException("This call has no request stream.");
        if (Volatile.Read(ref _writing) != 0)
        {
            throw new InvalidOperationException("Can't complete the request stream while a write is in progress.");
        }

        _requestCompleted = true;
        content.Complete();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Serializes the request of a unary or server-streaming call before anything is sent. On a serializer error or
    /// an oversized message the call ends with that status (false) and no request goes out.
    /// </summary>
    private bool TrySerializeSingle(TRequest request, out byte[] frame)
    {
        var buffer = SerializationScratch.RentBuffer();
        var writer = SerializationScratch.RentWriter(_channel.MaxSendMessageSize);
        try
        {
            writer.Write(buffer, request, _method.RequestMarshaller, CompressionForWrite());
            frame = _channel.WireFormat == GrpcWireFormat.WebText ? ToBase64(buffer.WrittenSpan) : buffer.WrittenSpan.ToArray();
            return true;
        }
        catch (RpcException ex)
        {
            Finish(ex.Status, abort: false);
            frame = [];
            return false;
        }
        finally
        {
            SerializationScratch.Return(buffer);
            SerializationScratch.Return(writer);
        }
    }

    private ReadOnlyMemory<byte> SerializeStreamFrame(TRequest message)
    {
        var buffer = _writeBuffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        (_writer ??= new MessageWriter(_channel.MaxSendMessageSize)).Write(buffer, message, _method.RequestMarshaller, CompressionForWrite());
        return _channel.WireFormat == GrpcWireFormat.WebText ? ToBase64(buffer.WrittenSpan) : buffer.WrittenMemory;
    }

    private ICompressionProvider? CompressionForWrite() =>
        ((WriteOptions?.Flags ?? WriteFlags.None) & WriteFlags.NoCompress) != 0 ? null : _requestCompression;

    /// <summary>grpc-web-text encodes each frame on its own (padded), which servers decode group by group.</summary>
    private static byte[] ToBase64(ReadOnlySpan<byte> frame)
    {
        var encoded = new byte[Base64.GetMaxEncodedToUtf8Length(frame.Length)];
        Base64.EncodeToUtf8(frame, encoded, out _, out var written);
        return written == encoded.Length ? encoded : encoded[..written];
    }

    /// <summary>
    /// The exception a failed write throws, after deciding what the failure means for the call. A request stream
    /// that breaks for any reason but a local one (serializer, size limit, cancellation) broke because the server
    /// ended the call or the stream or connection failed; the response says which, so the write reports the
    /// response's status rather than the transport's symptom (a disposed or cancelled body stream).
    /// </summary>
    private async ValueTask<Exception> WriteFailureAsync(Exception failure)
    {
        if (Volatile.Read(ref _outcome) is null)
        {
            if (failure is RpcException rpc)
            {
                // The message could not be serialized or is too large: the call fails with that status.
                Finish(rpc.Status, abort: true);
            }
            else if (_clientStreamingResponse is { } response)
            {
                // The response is being read from the start and decides the call.
                await ((Task)response).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            else if (await PeekEndAsync().ConfigureAwait(false) is { } end)
            {
                // The server has ended the call, but its status is still unread in the response stream.
                return WriteAfterEnd(end);
            }
        }

        return Volatile.Read(ref _outcome) is { } outcome
            ? WriteAfterEnd(outcome)
            : new RpcException(ResponseProtocol.FromException(failure));
    }

    /// <summary>A write on an ended call: the call's error status, or, when it succeeded, a usage error.</summary>
    private static Exception WriteAfterEnd(Outcome outcome) =>
        outcome.Status.StatusCode == StatusCode.OK ? CallComplete() : outcome.ToException();

    private static InvalidOperationException CallComplete() => new("Can't write the message because the call is complete.");
}

/// <summary>
/// Per-thread buffers for serializing single requests: the frame is built synchronously on the calling thread and
/// copied out, so the buffer is free again before the call continues.
/// </summary>
internal static class SerializationScratch
{
    private const int MaxRetained = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static MessageWriter? t_writer;

    public static ArrayBufferWriter<byte> RentBuffer()
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(512);
        t_buffer = null;
        return buffer;
    }

    public static void Return(ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= MaxRetained)
        {
            buffer.ResetWrittenCount();
            t_buffer = buffer;
        }
    }

    public static MessageWriter RentWriter(int? maxMessageSize)
    {
        var writer = t_writer;
        if (writer is null || writer.MaxMessageSize != maxMessageSize)
        {
            return new MessageWriter(maxMessageSize);
        }

        t_writer = null;
        return writer;
    }

    public static void Return(MessageWriter writer) => t_writer = writer;
}
