using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using Rpc.Client.Http;
using Rpc.Client.Web;
using Rpc.Wire;

namespace Rpc.Client;

/// <summary>The response side of a call: headers, messages and the status at the end.</summary>
internal sealed partial class ClientCall<TRequest, TResponse> : IAsyncStreamReader<TResponse>
{
    private const int ReadIdle = 0;
    private const int Reading = 1;
    private const int BodyReleased = 2;
    private const int ReleaseRequested = 3;
    private const int Peeking = 4;

    // Trailers are text lines; anything past this is not a trailers frame a sane server sends.
    private const int MaxWebTrailersSize = 1024 * 1024;

    // A single response is usually small: a 4 KiB buffer holds it with one read. Streams read into the channel's
    // larger blocks (RpcChannel.StreamingResponseBody) so that one read takes in many small messages.
    private static readonly StreamPipeReaderOptions SingleResponseBody = new(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true);

    private static readonly Status NoResponseMessage =
        new(StatusCode.Internal, "The server ended the call with OK but without a response message.");

    private static readonly Status ExtraResponseMessage =
        new(StatusCode.Internal, "The server sent more than one response message for a call that expects one.");

    private static readonly Status MissingStatus = new(StatusCode.Unknown, "The response ended without a grpc-status.");

    private PipeReader? _body;
    private MessageReader? _reader;
    private IReadOnlyList<KeyValuePair<string, string>>? _webTrailers;

    // Who may touch the body pipe: the one reader, a writer looking for the status (Peeking), or (when neither is
    // running) whoever ends the call. Completing the pipe while a read is in progress would hand its buffer back to
    // the pool under the read's feet.
    private int _readState;

    // Created by someone waiting for the read state to change; completed by whoever changes it.
    private TaskCompletionSource? _readStateChanged;
    private TResponse? _current;

    public TResponse Current => _current!;

    private static readonly Task<bool> MessageReadTask = Task.FromResult(true);

    // One read of the body pipe, kept across MoveNext calls while it still holds whole messages, so that a stream
    // of small messages costs one pipe read per network read rather than one per message. Only whoever holds the
    // read state touches these; anyone else who takes the state to use the pipe first hands the buffer back
    // (ReleaseHeldBuffer), as the pipe allows one outstanding read.
    private ReadOnlySequence<byte> _heldBuffer;
    private bool _holdingBuffer;

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        // Fast path: a whole message is already buffered (one read of a stream usually brings in many).
        if (_body is { } body && _channel.WireFormat == GrpcWireFormat.Grpc && !cancellationToken.IsCancellationRequested && TryEnterRead())
        {
            try
            {
                if (TryTakeBufferedMessage(body, out var message))
                {
                    _current = message;
                    ExitRead(Reading);
                    return MessageReadTask;
                }
            }
            catch (Exception ex)
            {
                Finish(StatusFor(ex), abort: true);
                ExitRead(Reading);
                return EndOfStreamTask();
            }

            ExitRead(Reading);
        }

        return MoveNextAsync(cancellationToken);
    }

    /// <summary>The next message if its whole frame has already arrived; otherwise false, holding nothing.</summary>
    private bool TryTakeBufferedMessage(PipeReader body, [NotNullWhen(true)] out TResponse? message)
    {
        if (!_holdingBuffer)
        {
            if (!body.TryRead(out var result))
            {
                message = null;
                return false;
            }

            _heldBuffer = result.Buffer;
            _holdingBuffer = true;
            if (result.IsCanceled)
            {
                ReleaseHeldBuffer();
                message = null;
                return false;
            }
        }

        try
        {
            if (_reader!.TryReadMessage(ref _heldBuffer, _method.ResponseMarshaller, out message))
            {
                return true;
            }
        }
        catch
        {
            ReleaseHeldBuffer();
            throw;
        }

        // Only part of a frame left: the async read takes it from here.
        ReleaseHeldBuffer();
        return false;
    }

    /// <summary>Hands the held read back to the pipe, consuming what has been taken from it.</summary>
    private void ReleaseHeldBuffer()
    {
        if (_holdingBuffer)
        {
            _holdingBuffer = false;
            _body!.AdvanceTo(_heldBuffer.Start);
            _heldBuffer = default;
        }
    }

    /// <summary>Completes the body pipe (the caller holds or has ended the read state).</summary>
    private void CompleteBody()
    {
        _holdingBuffer = false;
        _heldBuffer = default;
        _body?.Complete();
    }

    private Task<bool> EndOfStreamTask()
    {
        try
        {
            return Task.FromResult(EndOfStream());
        }
        catch (Exception ex)
        {
            return Task.FromException<bool>(ex);
        }
    }

    private async Task<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        var registration = default(CancellationTokenRegistration);
        try
        {
            while (!TryEnterRead())
            {
                var state = Volatile.Read(ref _readState);
                if (state == ReadIdle)
                {
                    // A writer's look-ahead ended between the two reads of the state: the read is free again.
                    continue;
                }

                if (state != Peeking)
                {
                    return EndOfStream();
                }

                // A writer is looking ahead for the status the server ended the call with; it leaves the messages
                // in the pipe for this read, and it is quick because the response has already arrived.
                registration = RegisterOnce(registration, cancellationToken);
                await ReadStateChangeAsync(Peeking).ConfigureAwait(false);
            }

            registration = RegisterOnce(registration, cancellationToken);
            try
            {
                ReleaseHeldBuffer();
                if (_body is not null || await ReadHeadersAsync(singleResponse: false).ConfigureAwait(false))
                {
                    if (await ReadMessageAsync().ConfigureAwait(false) is { } message)
                    {
                        _current = message;
                        return true;
                    }

                    FinishFromTrailers(singleResponse: false, hasMessage: false);
                }
            }
            catch (Exception ex)
            {
                Finish(StatusFor(ex), abort: true);
            }
            finally
            {
                ExitRead(Reading);
            }
        }
        finally
        {
            registration.Dispose();
        }

        return EndOfStream();
    }

    /// <summary>
    /// Cancels the call when a read's token fires; registers the token the first time only, and not at all when it is
    /// the call's own token (the usual <c>ReadAllAsync(token)</c>), which is registered for the whole call already.
    /// </summary>
    private CancellationTokenRegistration RegisterOnce(CancellationTokenRegistration registration, CancellationToken cancellationToken) =>
        registration.Token.CanBeCanceled || !cancellationToken.CanBeCanceled || cancellationToken == _options.CancellationToken
            ? registration
            : cancellationToken.UnsafeRegister(static state => ((ClientCall<TRequest, TResponse>)state!).Finish(CancelledByToken, abort: true), this);

    /// <summary>The response of a unary or client-streaming call: exactly one message, then an OK status.</summary>
    private async Task<TResponse> ReceiveSingleAsync()
    {
        TResponse? message = null;
        if (TryEnterRead())
        {
            try
            {
                if (await ReadHeadersAsync(singleResponse: true).ConfigureAwait(false))
                {
                    message = await ReadMessageAsync().ConfigureAwait(false);
                    if (message is not null && await ReadMessageAsync().ConfigureAwait(false) is not null)
                    {
                        Finish(ExtraResponseMessage, abort: true);
                    }
                    else
                    {
                        FinishFromTrailers(singleResponse: true, hasMessage: message is not null);
                    }
                }
            }
            catch (Exception ex)
            {
                Finish(StatusFor(ex), abort: true);
            }
            finally
            {
                ExitRead(Reading);
            }
        }

        var outcome = Volatile.Read(ref _outcome)!;
        if (outcome.Status.StatusCode == StatusCode.OK && message is not null)
        {
            return message;
        }

        throw outcome.ToException();
    }

    private bool EndOfStream()
    {
        var outcome = Volatile.Read(ref _outcome)
            ?? throw new InvalidOperationException("Can't read the next message because the previous read is still in progress.");
        return outcome.Status.StatusCode == StatusCode.OK ? false : throw outcome.ToException();
    }

    /// <summary>Waits for the response headers; true when a body with messages follows, false when the call ended.</summary>
    private async ValueTask<bool> ReadHeadersAsync(bool singleResponse)
    {
        var response = await _sendTask!.ConfigureAwait(false);
        SetResponse(response);
        if (!AcceptHeaders(response, singleResponse, out var webText))
        {
            return false;
        }

        var encoding = response.Headers.NonValidated.TryGetValues(GrpcProtocol.EncodingHeader, out var value) ? value.ToString() : null;
        if (!_channel.CompressionProviders.TryGet(encoding, out var decompression))
        {
            // Only a compressed message needs the encoding; the placeholder fails exactly then.
            decompression = new UnsupportedCompressionProvider(encoding!);
        }

        var stream = await response.Content.ReadAsStreamAsync(_cts.Token).ConfigureAwait(false);
        if (webText)
        {
            stream = new Base64DecodingStream(stream);
        }

        _reader = new MessageReader(_channel.MaxReceiveMessageSize, decompression);
        _body = PipeReader.Create(stream, singleResponse ? SingleResponseBody : _channel.StreamingResponseBody);
        return true;
    }

    /// <summary>Takes the response and ends the call if its headers already do; a body is left for the reader.</summary>
    private void AcceptEndingHeaders(HttpResponseMessage response)
    {
        SetResponse(response);
        AcceptHeaders(response, singleResponse: false, out _);
    }

    /// <summary>
    /// Checks the response headers. Ends the call (false) for a trailers-only response, an HTTP error or a response
    /// that is not gRPC. <paramref name="webText"/> tells whether the body is base64 (grpc-web-text).
    /// </summary>
    private bool AcceptHeaders(HttpResponseMessage response, bool singleResponse, out bool webText)
    {
        webText = false;

        // grpc-status among the headers is a trailers-only response; the gRPC status must win over the HTTP one.
        if (ResponseProtocol.ReadStatus(response.Headers) is { } status)
        {
            Finish(
                singleResponse && status.StatusCode == StatusCode.OK ? NoResponseMessage : status,
                abort: false,
                lazyTrailers: response.Headers);
            return false;
        }

        var httpStatus = (int)response.StatusCode;
        if (httpStatus != 200)
        {
            Finish(
                new Status(ResponseProtocol.FromHttpStatus(httpStatus), $"Bad gRPC response. HTTP status code: {httpStatus} ({response.ReasonPhrase})."),
                abort: true);
            return false;
        }

        var contentType = response.Content.Headers.NonValidated.TryGetValues(GrpcProtocol.ContentTypeHeader, out var value) ? value.ToString() : null;
        var format = GrpcProtocol.ParseContentType(contentType);
        var expected = _channel.WireFormat == GrpcWireFormat.Grpc
            ? format == GrpcWireFormat.Grpc
            : format is GrpcWireFormat.Web or GrpcWireFormat.WebText;
        if (!expected)
        {
            Finish(
                new Status(StatusCode.Internal, $"Bad gRPC response. Content-type '{contentType}' is not {_channel.RequestContentType}."),
                abort: true);
            return false;
        }

        webText = format == GrpcWireFormat.WebText;
        return true;
    }

    private ValueTask<TResponse?> ReadMessageAsync() =>
        _channel.WireFormat == GrpcWireFormat.Grpc
            ? _reader!.ReadAsync(_body!, _method.ResponseMarshaller, _cts.Token)
            : ReadWebMessageAsync();

    /// <summary>Like <see cref="MessageReader.ReadAsync{T}"/>, but a frame with flag 0x80 is the gRPC-Web trailers frame.</summary>
    private async ValueTask<TResponse?> ReadWebMessageAsync()
    {
        var body = _body!;
        while (true)
        {
            var result = await body.ReadAsync(_cts.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.IsEmpty)
            {
                body.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    return null;
                }

                continue;
            }

            if ((FirstByte(buffer) & GrpcProtocol.WebTrailersFlag) == 0)
            {
                // Nothing consumed or examined: the message reader gets the same bytes back at once.
                body.AdvanceTo(buffer.Start);
                return await _reader!.ReadAsync(body, _method.ResponseMarshaller, _cts.Token).ConfigureAwait(false);
            }

            if (TryReadWebTrailers(ref buffer))
            {
                body.AdvanceTo(buffer.Start);
                await DrainAsync(body).ConfigureAwait(false);
                return null;
            }

            if (result.IsCompleted)
            {
                throw new RpcException(new Status(StatusCode.Internal, "The response ended inside the gRPC-Web trailers frame."));
            }

            body.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads the body to its end so an HTTP/1.1 connection can carry the next call.</summary>
    private async ValueTask DrainAsync(PipeReader body)
    {
        while (true)
        {
            var result = await body.ReadAsync(_cts.Token).ConfigureAwait(false);
            body.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private bool TryReadWebTrailers(ref ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < 5)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[5];
        buffer.Slice(0, 5).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > MaxWebTrailersSize)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"The gRPC-Web trailers frame is too large ({length} bytes)."));
        }

        if (buffer.Length < 5 + length)
        {
            return false;
        }

        _webTrailers = GrpcWebTrailers.Parse(buffer.Slice(5, length));
        buffer = buffer.Slice(5 + length);
        return true;
    }

    private static byte FirstByte(ReadOnlySequence<byte> buffer) =>
        buffer.FirstSpan.Length > 0 ? buffer.FirstSpan[0] : buffer.Slice(0, 1).ToArray()[0];

    /// <summary>Ends the call with the status from the HTTP trailers (gRPC) or the trailers frame (gRPC-Web).</summary>
    private void FinishFromTrailers(bool singleResponse, bool hasMessage)
    {
        Status? status;
        if (_webTrailers is { } web)
        {
            status = ResponseProtocol.ReadStatus(web) ?? MissingStatus;
            if (singleResponse && !hasMessage && status.Value.StatusCode == StatusCode.OK)
            {
                status = NoResponseMessage;
            }

            Finish(status.Value, abort: false, trailers: ResponseProtocol.ToMetadata(web));
            return;
        }

        var trailers = Volatile.Read(ref _response)!.TrailingHeaders;
        status = ResponseProtocol.ReadStatus(trailers) ?? MissingStatus;
        if (singleResponse && !hasMessage && status.Value.StatusCode == StatusCode.OK)
        {
            status = NoResponseMessage;
        }

        Finish(status.Value, abort: false, lazyTrailers: trailers);
    }

    private async Task<Metadata> ReadResponseHeadersAsync()
    {
        if (_sendTask is null)
        {
            throw Volatile.Read(ref _outcome)!.ToException();
        }

        HttpResponseMessage response;
        try
        {
            response = await _sendTask.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Finish(StatusFor(ex), abort: true);
            throw Volatile.Read(ref _outcome)!.ToException();
        }

        if (response.Headers.NonValidated.Contains(GrpcProtocol.StatusTrailer))
        {
            // Trailers-only: there are no headers; the reader reports the status.
            return Metadata.Empty;
        }

        SetResponse(response);
        if (!AcceptHeaders(response, singleResponse: false, out _))
        {
            throw Volatile.Read(ref _outcome)!.ToException();
        }

        return ResponseProtocol.ToMetadata(response.Headers);
    }
}
