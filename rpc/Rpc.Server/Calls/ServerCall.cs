using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Primitives;
using Rpc.Wire;

namespace Rpc.Server.Calls;

/// <summary>
/// One call on the server: the <see cref="ServerCallContext"/> handlers see, and the state the transport keeps
/// (headers sent, body written, deadline). One allocation per call carries everything; request metadata,
/// trailers and user state are created only when a handler asks for them.
/// </summary>
internal sealed partial class ServerCall : ServerCallContext
{
    private readonly HttpContext _http;
    private readonly MethodHandler _handler;
    private readonly RpcServerRuntime _runtime;
    private readonly GrpcWireFormat _format;
    private readonly string _responseContentType;

    // The token our own reads, flushes and gate waits observe: the deadline's when there is one, otherwise
    // none, because Kestrel already fails body I/O on a reset stream. Fetching HttpContext.RequestAborted
    // costs a lock and a registration per operation, so handlers that never ask for it do not pay for it.
    private CancellationToken _token;
    private DateTime _deadline = DateTime.MaxValue;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private Status _status = Status.DefaultSuccess;
    private WriteOptions? _writeOptions;
    private string? _responseCompression;
    private Dictionary<object, object>? _userState;
    private string? _peer;

    // Fetched once per call: Kestrel takes its abort lock on every HttpContext.RequestAborted, and a streaming
    // handler passes context.CancellationToken to every write, which then compares it with the call's token.
    private CancellationToken _requestAborted;
    private volatile bool _requestAbortedFetched;

    // Fetched once per call rather than through the feature collection for every message.
    private PipeWriter? _responseBody;

    public ServerCall(HttpContext http, MethodHandler handler, GrpcWireFormat format, string responseContentType)
    {
        _http = http;
        _handler = handler;
        _runtime = handler.Runtime;
        _format = format;
        _responseContentType = responseContentType;
    }

    public HttpContext HttpContext => _http;

    private CancellationToken RequestAborted
    {
        get
        {
            if (!_requestAbortedFetched)
            {
                _requestAborted = _http.RequestAborted;
                _requestAbortedFetched = true; // volatile: published after the token
            }

            return _requestAborted;
        }
    }

    private PipeWriter ResponseBody => _responseBody ??= _http.Response.BodyWriter;

    public override string Method => _handler.Method.FullName;

    public override string Host => _http.Request.Host.Value ?? string.Empty;

    public override string Peer => _peer ??= FormatPeer(_http.Connection.RemoteIpAddress, _http.Connection.RemotePort);

    public override DateTime Deadline => _deadline;

    public override Metadata RequestHeaders => _requestHeaders ??= ReadRequestHeaders();

    public override CancellationToken CancellationToken => _deadlineState is null ? RequestAborted : _token;

    public override Metadata ResponseTrailers => _responseTrailers ??= [];

    public override Status Status
    {
        get => _status;
        set => _status = value;
    }

    public override WriteOptions? WriteOptions
    {
        get => _writeOptions;
        set => _writeOptions = value;
    }

    public override string? ResponseCompression
    {
        get => _responseCompression;
        set => _responseCompression = value;
    }

    public override IDictionary<object, object> UserState => _userState ??= [];

    /// <summary>
    /// Reads the call's transport headers: request encoding and timeout. False when the call must end at once
    /// with <see cref="Status"/> (unsupported encoding, a deadline that already passed).
    /// </summary>
    public bool TryStart()
    {
        var headers = _http.Request.Headers;
        var encoding = headers.GrpcEncoding;
        if (!StringValues.IsNullOrEmpty(encoding))
        {
            var name = encoding.ToString();
            if (!_runtime.Options.CompressionProviders.TryGet(name, out _requestCompression))
            {
                Log.UnsupportedEncoding(_runtime.Logger, Method, name);
                _status = new Status(
                    StatusCode.Unimplemented,
                    $"Unsupported grpc-encoding value '{name}'. Supported encodings: {_runtime.AcceptEncoding}");
                return false;
            }
        }

        var timeoutValue = headers.GrpcTimeout;
        if (!StringValues.IsNullOrEmpty(timeoutValue))
        {
            var text = timeoutValue.ToString();
            // A malformed grpc-timeout is served without a deadline (as grpc-dotnet does) rather than failed:
            // the client enforces its own deadline anyway, and refusing would turn a header typo into an outage.
            if (!GrpcTimeout.TryParse(text, out var timeout))
            {
                Log.MalformedTimeout(_runtime.Logger, Method, text);
            }
            else if (timeout <= TimeSpan.Zero)
            {
                // "0m" and friends: the client's deadline passed before the call arrived.
                _deadline = _runtime.TimeProvider.GetUtcNow().UtcDateTime;
                _deadlineExceeded = true;
                _status = DeadlineExceededStatus;
                return false;
            }
            else
            {
                StartDeadline(timeout);
            }
        }

        if (_handler.LiftsRequestBodyLimits)
        {
            LiftRequestBodyLimits();
        }

        return true;
    }

    /// <summary>
    /// Streaming requests may legitimately exceed Kestrel's whole-body size limit and idle between messages
    /// below its minimum data rate; gRPC limits each message instead.
    /// </summary>
    private void LiftRequestBodyLimits()
    {
        if (_http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }

        if (_http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            try
            {
                rate.MinDataRate = null;
            }
            catch (NotSupportedException)
            {
                // Some transports do not support a data rate at all; nothing to lift then.
            }
        }
    }

    private Metadata ReadRequestHeaders()
    {
        var metadata = new Metadata();
        foreach (var header in _http.Request.Headers)
        {
            var name = header.Key;
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                if (value is null)
                {
                    continue;
                }

                try
                {
                    if (!MetadataEncoding.TryAddHeader(metadata, name, value))
                    {
                        Log.InvalidRequestHeader(_runtime.Logger, Method, name);
                    }
                }
                catch (ArgumentException)
                {
                    // A header name or value that gRPC metadata cannot hold (HTTP/1.1 allows more than gRPC).
                    Log.InvalidRequestHeader(_runtime.Logger, Method, name);
                }
            }
        }

        return metadata;
    }

    private static string FormatPeer(IPAddress? address, int port)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"ipv6:[{address}]:{port}"
            : $"ipv4:{address}:{port}";
    }
}
