using System.Net.Http.Headers;
using Rpc.Client.Http;
using Rpc.Wire;

namespace Rpc.Client;

/// <summary>
/// One call on an <see cref="RpcChannel"/>: one HTTP request, its response, and the call's single outcome. The
/// object is the call state, the response reader and the request writer at once, so a call costs one object
/// beyond what HttpClient allocates. This file holds the start and the end of the call; reading and writing are in
/// the other parts.
/// </summary>
/// <remarks>
/// The outcome is decided once (<see cref="Finish"/>): by the response (status from trailers, trailers-only
/// headers or the HTTP status), by a local failure, or by cancellation (token, deadline, disposal). Whoever comes
/// second is ignored, and every path reports the winner's status, so a response racing a deadline never yields two
/// different answers.
/// </remarks>
internal sealed partial class ClientCall<TRequest, TResponse> : ICallState
    where TRequest : class
    where TResponse : class
{
    private static readonly Status CancelledByToken = new(StatusCode.Cancelled, "Call canceled by the client.");
    private static readonly Status CancelledByDispose = new(StatusCode.Cancelled, "gRPC call disposed.");
    private static readonly Status DeadlineExceeded = new(StatusCode.DeadlineExceeded, "Deadline Exceeded");
    private static readonly Status ChannelDisposed = new(StatusCode.Cancelled, "The channel was disposed.");

    // Longest single timer period (Timer's limit is about 49.7 days); a later deadline re-arms when it fires.
    private static readonly TimeSpan MaxTimerPeriod = TimeSpan.FromDays(30);

    private readonly RpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;

    // Cancelling it aborts the HTTP request (the handler sends RST_STREAM) and any read or write in progress.
    private readonly CancellationTokenSource _cts = new();

    private DateTime _deadline = DateTime.MaxValue;
    private ITimer? _deadlineTimer;
    private CancellationTokenRegistration _tokenRegistration;
    private CancellationTokenRegistration _channelRegistration;
    private ICompressionProvider? _requestCompression;
    private Task<HttpResponseMessage>? _sendTask;
    private HttpResponseMessage? _response;
    private int _responseDisposed;
    private Task<Metadata>? _responseHeaders;
    private Outcome? _outcome;
    private int _disposed;

    public ClientCall(RpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        WriteOptions = options.WriteOptions;
    }

    public Task<Metadata> ResponseHeadersAsync => _responseHeaders ??= ReadResponseHeadersAsync();

    public Status GetStatus() =>
        (Volatile.Read(ref _outcome) ?? throw new InvalidOperationException("Unable to get the status because the call is not complete.")).Status;

    public Metadata GetTrailers() =>
        (Volatile.Read(ref _outcome) ?? throw new InvalidOperationException("Unable to get the trailers because the call is not complete.")).Trailers;

    /// <summary>Cancels the call if it has not finished (the server sees RST_STREAM) and releases the response.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Finish(CancelledByDispose, abort: true);
        }
    }

    public Task<TResponse> StartUnary(TRequest request)
    {
        if (!TryBegin() || !TrySerializeSingle(request, out var frame))
        {
            return Task.FromException<TResponse>(_outcome!.ToException());
        }

        Send(new UnaryRequestContent(frame));
        return ReceiveSingleAsync();
    }

    public void StartServerStreaming(TRequest request)
    {
        if (TryBegin() && TrySerializeSingle(request, out var frame))
        {
            Send(new UnaryRequestContent(frame));
            ObserveResponse(endingHeaders: false);
        }
    }

    public Task<TResponse> StartClientStreaming()
    {
        _requestContent = new StreamingRequestContent();
        if (!TryBegin())
        {
            return Task.FromException<TResponse>(_outcome!.ToException());
        }

        Send(_requestContent);
        return _clientStreamingResponse = ReceiveSingleAsync();
    }

    public void StartDuplexStreaming()
    {
        _requestContent = new StreamingRequestContent();
        if (TryBegin())
        {
            Send(_requestContent);
            ObserveResponse(endingHeaders: true);
        }
    }

    /// <summary>
    /// Checks what can fail before anything is sent: an already cancelled token, a deadline already past, an
    /// unknown request encoding. False when the call has already finished.
    /// </summary>
    private bool TryBegin()
    {
        if (_options.CancellationToken.IsCancellationRequested)
        {
            Finish(CancelledByToken, abort: false);
            return false;
        }

        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            _deadline = deadline.Kind == DateTimeKind.Local ? deadline.ToUniversalTime() : deadline;
            if (_deadline <= _channel.TimeProvider.GetUtcNow().UtcDateTime)
            {
                Finish(DeadlineExceeded, abort: false);
                return false;
            }
        }

        if (_options.RequestCompression is { } encoding)
        {
            // A misspelled encoding is a programming error, reported at once rather than as a call status.
            if (!_channel.CompressionProviders.TryGet(encoding, out _requestCompression))
            {
                throw new InvalidOperationException(
                    $"Request compression '{encoding}' is not among the channel's compression providers ({_channel.CompressionProviders.AcceptEncoding}).");
            }
        }

        return true;
    }

    private void Send(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _channel.GetRequestUri(_method))
        {
            Version = _channel.HttpVersion,
            VersionPolicy = _channel.HttpVersionPolicy,
            Content = content,
        };
        content.Headers.TryAddWithoutValidation(GrpcProtocol.ContentTypeHeader, _channel.RequestContentType);
        var headers = request.Headers;
        if (_channel.WireFormat == GrpcWireFormat.Grpc)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, "trailers");
        }
        else
        {
            headers.TryAddWithoutValidation("x-grpc-web", "1");
            headers.TryAddWithoutValidation("accept", _channel.RequestContentType);
        }

        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, _channel.CompressionProviders.AcceptEncoding);
        if (_requestCompression is not null)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, _requestCompression.EncodingName);
        }

        if (_deadline != DateTime.MaxValue)
        {
            var remaining = _deadline - _channel.TimeProvider.GetUtcNow().UtcDateTime;
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(remaining));
            _deadlineTimer = _channel.TimeProvider.CreateTimer(
                static state => ((ClientCall<TRequest, TResponse>)state!).OnDeadlineTimer(), this, Clamp(remaining), Timeout.InfiniteTimeSpan);
        }

        var userAgent = true;
        if (_options.Headers is { Count: > 0 } metadata)
        {
            userAgent = AddMetadata(headers, metadata);
        }

        if (userAgent)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.UserAgentHeader, _channel.UserAgent);
        }

        if (_options.CancellationToken.CanBeCanceled)
        {
            _tokenRegistration = _options.CancellationToken.UnsafeRegister(
                static state => ((ClientCall<TRequest, TResponse>)state!).Finish(CancelledByToken, abort: true), this);
        }

        try
        {
            _channelRegistration = _channel.ShutdownToken.UnsafeRegister(
                static state => ((ClientCall<TRequest, TResponse>)state!).Finish(ChannelDisposed, abort: true), this);
            if (Volatile.Read(ref _outcome) is not null)
            {
                // The deadline fired while the registrations were being made; Finish may have missed them.
                _tokenRegistration.Unregister();
                _channelRegistration.Unregister();
            }

            _sendTask = _channel.HttpInvoker.SendAsync(request, _cts.Token);
        }
        catch (Exception ex)
        {
            // The channel was disposed between the check and the send.
            _sendTask = Task.FromException<HttpResponseMessage>(ex);
        }
    }

    /// <summary>Adds custom metadata to the request; false when it carries its own <c>user-agent</c>.</summary>
    private static bool AddMetadata(HttpRequestHeaders headers, Metadata metadata)
    {
        var defaultUserAgent = true;
        foreach (var entry in metadata)
        {
            var key = entry.Key;
            if (key == GrpcProtocol.UserAgentHeader)
            {
                defaultUserAgent = false;
            }
            else if (IsProtocolHeader(key))
            {
                continue;
            }

            headers.TryAddWithoutValidation(key, MetadataEncoding.EncodeValue(entry));
        }

        return defaultUserAgent;
    }

    /// <summary>Headers the call itself sets; other <c>grpc-</c> headers (e.g. tracing) pass through.</summary>
    private static bool IsProtocolHeader(string key) =>
        GrpcProtocol.IsReservedHeader(key)
        && (!key.StartsWith("grpc-", StringComparison.Ordinal)
            || key is GrpcProtocol.TimeoutHeader or GrpcProtocol.EncodingHeader or GrpcProtocol.AcceptEncodingHeader
                or GrpcProtocol.StatusTrailer or GrpcProtocol.MessageTrailer);

    private static TimeSpan Clamp(TimeSpan dueTime) =>
        dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime > MaxTimerPeriod ? MaxTimerPeriod : dueTime;

    private void OnDeadlineTimer()
    {
        var remaining = _deadline - _channel.TimeProvider.GetUtcNow().UtcDateTime;
        if (remaining > TimeSpan.Zero)
        {
            // A deadline beyond the longest timer period, or a timer that fired a little early.
            _deadlineTimer?.Change(Clamp(remaining), Timeout.InfiniteTimeSpan);
            return;
        }

        Finish(DeadlineExceeded, abort: true);
    }

    /// <summary>
    /// A streaming call's send may fail (connection refused, TLS rejected) while nobody reads yet: end the call with
    /// that failure at once, so a caller blocked in a first write gets UNAVAILABLE instead of waiting forever. With
    /// <paramref name="endingHeaders"/>, response headers that end the call (trailers-only, an HTTP error) end it at
    /// once too: a duplex caller that writes before it reads gets the server's status from its write, and a write
    /// stuck on flow control is released. When the call has already ended, <see cref="Finish"/> does nothing.
    /// </summary>
    private void ObserveResponse(bool endingHeaders) =>
        _sendTask!.ContinueWith(
            static (task, state) =>
            {
                var call = (ClientCall<TRequest, TResponse>)state!;
                if (task.IsCompletedSuccessfully)
                {
                    call.AcceptEndingHeaders(task.Result);
                }
                else if (task.Exception is { } failure)
                {
                    call.Finish(call.StatusFor(failure.InnerException ?? failure), abort: true);
                }
            },
            this,
            CancellationToken.None,
            endingHeaders
                ? TaskContinuationOptions.ExecuteSynchronously
                : TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>Decides the call's outcome unless it is already decided. Returns true when this call decided it.</summary>
    /// <param name="status">The status.</param>
    /// <param name="abort">Whether the HTTP exchange may still be running and must be cancelled.</param>
    /// <param name="trailers">The trailers; null with <paramref name="lazyTrailers"/> to read them on demand.</param>
    /// <param name="lazyTrailers">HTTP trailers to turn into metadata only if someone asks for them.</param>
    private bool Finish(Status status, bool abort, Metadata? trailers = null, HttpHeaders? lazyTrailers = null)
    {
        if (Interlocked.CompareExchange(ref _outcome, new Outcome(status, trailers, lazyTrailers), null) is not null)
        {
            return false;
        }

        _deadlineTimer?.Dispose();
        _tokenRegistration.Unregister();
        _channelRegistration.Unregister();
        _requestContent?.Release(abort);
        if (abort)
        {
            _cts.Cancel();
        }

        DisposeResponse();
        ReleaseBody();
        return true;
    }

    private void SetResponse(HttpResponseMessage response)
    {
        // Full fence on both sides: either this sees the outcome, or Finish sees the response; never neither.
        Interlocked.Exchange(ref _response, response);
        if (Volatile.Read(ref _outcome) is not null)
        {
            DisposeResponse();
        }
    }

    /// <summary>
    /// Disposing the response releases its HTTP/2 stream; if the response has not ended, the handler resets the
    /// stream (RST_STREAM CANCEL) and a pending read fails, which is how a running call gets cancelled.
    /// </summary>
    private void DisposeResponse()
    {
        if (Volatile.Read(ref _response) is { } response && Interlocked.Exchange(ref _responseDisposed, 1) == 0)
        {
            response.Dispose();
        }
    }

    /// <summary>The status a failure means: the decided outcome if there is one (the failure is its echo), else the failure's own.</summary>
    private Status StatusFor(Exception exception) =>
        Volatile.Read(ref _outcome)?.Status
        ?? (_channel.IsDisposed ? ChannelDisposed : ResponseProtocol.FromException(exception));

    /// <summary>The decided outcome: status and trailers (read from the HTTP trailers on first use when OK).</summary>
    private sealed class Outcome(Status status, Metadata? trailers, HttpHeaders? lazyTrailers)
    {
        private Metadata? _trailers = trailers;

        public Status Status { get; } = status;

        public Metadata Trailers => _trailers ??= lazyTrailers is null ? Metadata.Empty : ResponseProtocol.ToMetadata(lazyTrailers);

        public RpcException ToException() => new(Status, Trailers);
    }
}
