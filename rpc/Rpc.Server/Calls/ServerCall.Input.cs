using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Rpc.Server.Web;
using Rpc.Wire;

namespace Rpc.Server.Calls;

// Reading request messages.
internal sealed partial class ServerCall
{
    private ICompressionProvider? _requestCompression;
    private MessageReader? _messageReader;
    private PipeReader? _requestBody;
    private bool _requestComplete;

    /// <summary>The request body as a pipe of gRPC frames (base64-decoded for gRPC-Web text).</summary>
    public PipeReader RequestBody => _requestBody ??= _format == GrpcWireFormat.WebText
        ? new Base64PipeReader(_http.Request.BodyReader)
        : _http.Request.BodyReader;

    private MessageReader Reader => _messageReader ??= new MessageReader(_runtime.Options.MaxReceiveMessageSize, _requestCompression);

    /// <summary>
    /// Reads the one request of a unary or server-streaming call and checks that the client sent nothing after
    /// it. The body is buffered first, so the framing and parsing below run synchronously.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T> ReadSingleMessageAsync<T>(Marshaller<T> marshaller)
        where T : class
    {
        await BufferSingleRequestAsync().ConfigureAwait(false);
        if (TryTakeWholeSingleRequest(marshaller, out var single))
        {
            _requestComplete = true;
            return single;
        }

        var message = await ReadCoreAsync(marshaller).ConfigureAwait(false)
            ?? throw new RpcException(new Status(
                StatusCode.Internal,
                "The request stream ended without a message; this method takes exactly one request message."));
        var extra = await ReadCoreAsync(marshaller).ConfigureAwait(false);
        if (extra is not null)
        {
            throw new RpcException(new Status(
                StatusCode.Internal,
                "Received more than one request message; this method takes exactly one request message."));
        }

        _requestComplete = true;
        return message;
    }

    /// <summary>
    /// The usual single request: the body has ended and holds exactly one whole frame, parsed from the buffered read
    /// without the two message reads (and their body reads) of the general path. Anything else (more data, a
    /// partial frame, a body still open) is left untouched for the general path, which explains what is wrong.
    /// </summary>
    private bool TryTakeWholeSingleRequest<T>(Marshaller<T> marshaller, [NotNullWhen(true)] out T? message)
        where T : class
    {
        message = null;
        var body = RequestBody;
        if (!body.TryRead(out var result))
        {
            return false;
        }

        var buffer = result.Buffer;
        var rest = buffer;
        try
        {
            if (result.IsCompleted && !result.IsCanceled && Reader.TryReadMessage(ref rest, marshaller, out message) && rest.IsEmpty)
            {
                body.AdvanceTo(buffer.End);
                return true;
            }
        }
        catch
        {
            body.AdvanceTo(buffer.Start);
            throw;
        }

        message = null;
        body.AdvanceTo(buffer.Start);
        return false;
    }

    /// <summary>Reads the next message of a request stream; null at its end.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<T?> ReadMessageAsync<T>(Marshaller<T> marshaller)
        where T : class
    {
        if (_requestComplete)
        {
            return null;
        }

        var message = await ReadCoreAsync(marshaller).ConfigureAwait(false);
        if (message is null)
        {
            _requestComplete = true;
        }

        return message;
    }

    /// <summary>
    /// Reads one message, turning the transport's ways of saying "the client went away" into CANCELLED. Kestrel
    /// throws from the body reader before it signals RequestAborted, so the exception type is the only clue.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T?> ReadCoreAsync<T>(Marshaller<T> marshaller)
        where T : class
    {
        try
        {
            return await Reader.ReadAsync(RequestBody, marshaller, _token).ConfigureAwait(false);
        }
        catch (Exception ex) when (TranslateTransportError(ex) is { } translated)
        {
            throw translated;
        }
    }

    private static RpcException? TranslateTransportError(Exception error) => error switch
    {
        BadHttpRequestException bad => new RpcException(new Status(StatusCode.Internal, "Bad request: " + bad.Message, bad)),
        IOException or ConnectionAbortedException => new RpcException(
            new Status(StatusCode.Cancelled, "The client reset the request stream or closed the connection.", error)),
        _ => null,
    };

    /// <summary>
    /// Waits, without consuming anything, until the request body has ended, so reading the single request
    /// costs one await instead of one per layer. Stops early once the first frame is complete with more data
    /// behind it, or its prefix announces more than the limit: a client cannot make the server buffer more than
    /// one message this way, and an oversized one is refused from its prefix alone.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask BufferSingleRequestAsync()
    {
        var body = RequestBody;
        var limit = (long)(_runtime.Options.MaxReceiveMessageSize ?? int.MaxValue);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await body.ReadAsync(_token).ConfigureAwait(false);
            }
            catch (Exception ex) when (TranslateTransportError(ex) is { } translated)
            {
                throw translated;
            }

            var buffer = result.Buffer;
            var enough = result.IsCompleted || result.IsCanceled || buffer.Length > 5 + limit;
            if (!enough && buffer.Length >= 5)
            {
                var length = ReadFrameLength(buffer);
                enough = length > limit || buffer.Length > 5 + length;
            }

            // Consume nothing; mark everything examined only while waiting for more, so the reads that follow
            // see this data at once.
            body.AdvanceTo(buffer.Start, enough ? buffer.Start : buffer.End);
            if (enough)
            {
                return;
            }
        }
    }

    private static uint ReadFrameLength(ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[5];
        buffer.Slice(0, 5).CopyTo(prefix);
        return BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
    }
}
