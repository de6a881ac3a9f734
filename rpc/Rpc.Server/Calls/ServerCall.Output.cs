using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Rpc.Wire;

namespace Rpc.Server.Calls;

// Writing response headers, messages and the status.
internal sealed partial class ServerCall
{
    private static readonly string[] StatusCodeTexts = CreateStatusCodeTexts();

    // MessageWriter.Write is synchronous, so one instance per thread serves every call that thread writes for.
    [ThreadStatic]
    private static MessageWriter? t_messageWriter;

    private ICompressionProvider? _responseCompressionProvider;
    private ArrayBufferWriter<byte>? _textOutput;
    private bool _headersPrepared;
    private bool _bodyWritten;
    private volatile bool _ended;
    private bool _responseEnded;
    private volatile bool _flushing;

    /// <summary>True once the call is over for the handler: writes and reads now fail.</summary>
    public bool IsEnded => _ended;

    /// <summary>Where frames go: the response body, or a staging buffer that gRPC-Web text base64-encodes on flush.</summary>
    private IBufferWriter<byte> Output => _format == GrpcWireFormat.WebText
        ? _textOutput ??= new ArrayBufferWriter<byte>(256)
        : ResponseBody;

    public override Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        ThrowIfEnded();
        if (_headersPrepared)
        {
            throw new InvalidOperationException("Response headers can only be sent once per call, before the first message.");
        }

        return _deadlineState is null
            ? WriteResponseHeadersCoreAsync(responseHeaders).AsTask()
            : WriteResponseHeadersLockedAsync(responseHeaders);
    }

    private ValueTask WriteResponseHeadersCoreAsync(Metadata responseHeaders)
    {
        PrepareHeaders(forMessages: true);
        var headers = _http.Response.Headers;
        foreach (var entry in responseHeaders)
        {
            if (!GrpcProtocol.IsReservedHeader(entry.Key))
            {
                headers.Append(entry.Key, MetadataEncoding.EncodeValue(entry));
            }
        }

        // A flush with no body sends the HEADERS frame now.
        return FlushAsync(default);
    }

    private async Task WriteResponseHeadersLockedAsync(Metadata responseHeaders)
    {
        var gate = _deadlineState!.Gate;
        await gate.WaitAsync(_token).ConfigureAwait(false);
        try
        {
            ThrowIfEnded();
            await WriteResponseHeadersCoreAsync(responseHeaders).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Writes the single response of a unary or client-streaming call, unless the handler set a non-OK
    /// <see cref="Status"/> (then the status goes out alone).
    /// </summary>
    public ValueTask WriteResponseAsync<T>(T? response, Marshaller<T> marshaller)
        where T : class
    {
        if (_status.StatusCode != StatusCode.OK)
        {
            return default;
        }

        if (response is null)
        {
            throw new RpcException(new Status(StatusCode.Internal, "The handler returned no response message."));
        }

        return WriteMessageAsync(response, marshaller, flush: false, CancellationToken.None);
    }

    /// <summary>
    /// Writes one response message; flushes when asked (streaming). Unary responses are not flushed: Kestrel
    /// sends headers, message and trailers together when the request delegate returns.
    /// </summary>
    public ValueTask WriteMessageAsync<T>(T message, Marshaller<T> marshaller, bool flush, CancellationToken cancellationToken)
    {
        if (_deadlineState is not null)
        {
            return WriteMessageLockedAsync(message, marshaller, flush, cancellationToken);
        }

        ThrowIfEnded();
        WriteMessageCore(message, marshaller);
        return flush ? FlushAsync(cancellationToken) : default;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteMessageLockedAsync<T>(T message, Marshaller<T> marshaller, bool flush, CancellationToken cancellationToken)
    {
        // The deadline timer ends the response under the same gate, so a write never interleaves with it.
        var gate = _deadlineState!.Gate;
        await gate.WaitAsync(_token).ConfigureAwait(false);
        try
        {
            ThrowIfEnded();
            WriteMessageCore(message, marshaller);
            if (flush)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private void WriteMessageCore<T>(T message, Marshaller<T> marshaller)
    {
        PrepareHeaders(forMessages: true);
        var compression = _responseCompressionProvider;
        if (compression is not null && _writeOptions is { } options && (options.Flags & WriteFlags.NoCompress) != 0)
        {
            compression = null;
        }

        var maxSize = _runtime.Options.MaxSendMessageSize;
        var writer = t_messageWriter;
        if (writer is null || writer.MaxMessageSize != maxSize)
        {
            t_messageWriter = writer = new MessageWriter(maxSize);
        }

        writer.Write(Output, message, marshaller, compression);
        _bodyWritten = true;
    }

    private ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_textOutput is not null)
        {
            EncodeTextOutput();
        }

        // Never hand Kestrel a cancellable token here: a flush cancelled by its token aborts the whole stream
        // (RST_STREAM INTERNAL_ERROR), which would swallow the status. A caller's token and the deadline instead
        // use CancelPendingFlush, which only ends the wait.
        var body = ResponseBody;
        var registration = cancellationToken.CanBeCanceled && !IsCallToken(cancellationToken)
            ? cancellationToken.UnsafeRegister(static state => ((PipeWriter)state!).CancelPendingFlush(), body)
            : default;
        _flushing = true;
        ValueTask<FlushResult> flush;
        try
        {
            flush = body.FlushAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            _flushing = false;
            registration.Dispose();
            return ValueTask.FromException(ex);
        }

        // A streamed message is flushed on its own, and the flush completes at once unless the client reads slowly:
        // no state machine for that case.
        if (flush.IsCompletedSuccessfully)
        {
            _flushing = false;
            registration.Dispose();
            return flush.Result.IsCanceled ? ValueTask.FromException(FlushCancelled(cancellationToken)) : default;
        }

        return AwaitFlushAsync(flush, registration, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush, CancellationTokenRegistration registration, CancellationToken cancellationToken)
    {
        try
        {
            if ((await flush.ConfigureAwait(false)).IsCanceled)
            {
                throw FlushCancelled(cancellationToken);
            }
        }
        finally
        {
            _flushing = false;
            registration.Dispose();
        }
    }

    /// <summary>A flush ended by CancelPendingFlush: the caller's token or the deadline fired.</summary>
    private OperationCanceledException FlushCancelled(CancellationToken cancellationToken) =>
        new(cancellationToken.IsCancellationRequested ? cancellationToken : _token);

    /// <summary>
    /// True for a token whose cancellation the flush or read observes anyway: the call's own token (Kestrel
    /// aborts body I/O when the request is aborted).
    /// </summary>
    internal bool IsCallToken(CancellationToken cancellationToken) =>
        cancellationToken == _token || (_deadlineState is null && cancellationToken == RequestAborted);

    /// <summary>Sets the response headers once: content type, accepted encodings, and the response encoding.</summary>
    private void PrepareHeaders(bool forMessages)
    {
        if (_headersPrepared)
        {
            return;
        }

        _headersPrepared = true;
        var response = _http.Response;
        response.ContentType = _responseContentType;
        var headers = response.Headers;
        headers.GrpcAcceptEncoding = _runtime.AcceptEncoding;
        if (forMessages)
        {
            ChooseResponseCompression(headers);
        }
    }

    private void ChooseResponseCompression(IHeaderDictionary headers)
    {
        var name = _responseCompression ?? _runtime.Options.ResponseCompression;
        if (string.IsNullOrEmpty(name) || name.Equals(GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (!_runtime.Options.CompressionProviders.TryGet(name, out var provider) || provider is null)
        {
            Log.UnknownResponseCompression(_runtime.Logger, Method, name);
            return;
        }

        // Compress only for a client that said it can decompress this encoding.
        if (CompressionProviders.Accepts(_http.Request.Headers.GrpcAcceptEncoding.ToString(), provider.EncodingName))
        {
            _responseCompressionProvider = provider;
            headers.GrpcEncoding = provider.EncodingName;
        }
    }

    /// <summary>Base64-encodes the staged gRPC-Web text output into the response body, padded per flush.</summary>
    private void EncodeTextOutput()
    {
        var pending = _textOutput!.WrittenSpan;
        if (pending.IsEmpty)
        {
            return;
        }

        var body = ResponseBody;
        while (!pending.IsEmpty)
        {
            // Whole 3-byte groups until the last chunk, so padding appears only at the end of this flush.
            var chunk = Math.Min(pending.Length, 3 * 16 * 1024);
            var destination = body.GetSpan(Base64.GetMaxEncodedToUtf8Length(chunk));
            Base64.EncodeToUtf8(pending[..chunk], destination, out _, out var written, isFinalBlock: true);
            body.Advance(written);
            pending = pending[chunk..];
        }

        _textOutput.ResetWrittenCount();
    }

    /// <summary>
    /// Sends the status: in the headers when nothing else was sent (trailers-only), otherwise as HTTP/2 trailers
    /// or, for gRPC-Web, as the trailers frame at the end of the body.
    /// </summary>
    private void WriteStatus(Status status)
    {
        var response = _http.Response;
        if (!_bodyWritten && !response.HasStarted)
        {
            PrepareHeaders(forMessages: false);
            AppendStatus(response.Headers, status);
            return;
        }

        if (_format == GrpcWireFormat.Grpc)
        {
            if (_http.Features.Get<IHttpResponseTrailersFeature>() is { Trailers.IsReadOnly: false } trailers)
            {
                AppendStatus(trailers.Trailers, status);
            }

            return;
        }

        PrepareHeaders(forMessages: false);
        GrpcWebTrailers.Write(Output, status, FilterTrailers(_responseTrailers));
        if (_textOutput is not null)
        {
            EncodeTextOutput();
        }
    }

    private void AppendStatus(IHeaderDictionary target, Status status)
    {
        target.GrpcStatus = StatusCodeText(status.StatusCode);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            target.GrpcMessage = GrpcStatusMessage.Encode(status.Detail);
        }

        if (_responseTrailers is { Count: > 0 } trailers)
        {
            foreach (var entry in trailers)
            {
                if (!GrpcProtocol.IsReservedHeader(entry.Key))
                {
                    target.Append(entry.Key, MetadataEncoding.EncodeValue(entry));
                }
            }
        }
    }

    private static Metadata FilterTrailers(Metadata? trailers)
    {
        if (trailers is null || trailers.Count == 0)
        {
            return Metadata.Empty;
        }

        var filtered = new Metadata();
        foreach (var entry in trailers)
        {
            if (!GrpcProtocol.IsReservedHeader(entry.Key))
            {
                filtered.Add(entry);
            }
        }

        return filtered;
    }

    private void ThrowIfEnded()
    {
        if (_ended)
        {
            throw new InvalidOperationException("The call is complete: no more messages or headers can be sent.");
        }
    }

    private static string StatusCodeText(StatusCode code) =>
        (uint)code < (uint)StatusCodeTexts.Length
            ? StatusCodeTexts[(int)code]
            : ((int)code).ToString(CultureInfo.InvariantCulture);

    private static string[] CreateStatusCodeTexts()
    {
        var texts = new string[17];
        for (var i = 0; i < texts.Length; i++)
        {
            texts[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        return texts;
    }
}
