using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using Rpc.Client.Http;
using Rpc.Wire;

namespace Rpc.Client;

/// <summary>
/// A channel to one gRPC server over <see cref="HttpMessageInvoker"/>: <c>http://</c> speaks h2c with prior
/// knowledge, <c>https://</c> TLS with ALPN h2. Thread-safe; create one per server and share it, since it owns the
/// connection pool.
/// </summary>
public sealed class RpcChannel : ChannelBase, IDisposable
{
    private static readonly string DefaultUserAgent = "rpc-dotnet/" + (typeof(RpcChannel).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");

    private readonly ConcurrentDictionary<string, Uri> _requestUris = new(StringComparer.Ordinal);
    private readonly string _baseUri;
    private readonly RpcCallInvoker _callInvoker;

    // Cancelled by Dispose: every running call listens to it, since the handler lets active HTTP/2 streams run on.
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ResponseBufferPool _responseBuffers = new();
    private int _disposed;

    private RpcChannel(Uri address, RpcChannelOptions options)
        : base(address.Authority)
    {
        Address = address;
        // A path in the address (e.g. behind a proxy that routes on a prefix) goes before /{service}/{method}.
        _baseUri = address.GetLeftPart(UriPartial.Path).TrimEnd('/');
        MaxReceiveMessageSize = options.MaxReceiveMessageSize;
        MaxSendMessageSize = options.MaxSendMessageSize;
        CompressionProviders = options.CompressionProviders ?? throw new ArgumentException("CompressionProviders is required.", nameof(options));
        TimeProvider = options.TimeProvider ?? throw new ArgumentException("TimeProvider is required.", nameof(options));
        WireFormat = options.WireFormat;
        UserAgent = options.UserAgent ?? DefaultUserAgent;
        RequestContentType = WireFormat switch
        {
            GrpcWireFormat.Web => GrpcProtocol.GrpcWebContentType,
            GrpcWireFormat.WebText => GrpcProtocol.GrpcWebTextContentType,
            _ => GrpcProtocol.GrpcContentType,
        };
        var web = WireFormat != GrpcWireFormat.Grpc;
        HttpVersion = options.HttpVersion ?? (web ? System.Net.HttpVersion.Version11 : System.Net.HttpVersion.Version20);
        HttpVersionPolicy = options.HttpVersionPolicy
            ?? (web ? System.Net.Http.HttpVersionPolicy.RequestVersionOrHigher : System.Net.Http.HttpVersionPolicy.RequestVersionExact);

        HttpHandler = options.HttpHandler ?? CreateHandler(options);
        HttpInvoker = new HttpMessageInvoker(HttpHandler, disposeHandler: options.HttpHandler is null || options.DisposeHttpHandler);
        _callInvoker = new RpcCallInvoker(this);
        StreamingResponseBody = new StreamPipeReaderOptions(
            pool: _responseBuffers,
            bufferSize: ResponseBufferPool.BlockSize,
            minimumReadSize: 4096,
            leaveOpen: true);
    }

    /// <summary>The server address the channel was created for.</summary>
    public Uri Address { get; }

    internal HttpMessageHandler HttpHandler { get; }

    // HttpMessageInvoker rather than HttpClient: it adds no per-request timeout or cancellation source of its own,
    // and it never buffers the response body.
    internal HttpMessageInvoker HttpInvoker { get; }

    internal int? MaxReceiveMessageSize { get; }

    internal int? MaxSendMessageSize { get; }

    internal CompressionProviders CompressionProviders { get; }

    internal TimeProvider TimeProvider { get; }

    internal GrpcWireFormat WireFormat { get; }

    internal string UserAgent { get; }

    internal string RequestContentType { get; }

    internal Version HttpVersion { get; }

    internal HttpVersionPolicy HttpVersionPolicy { get; }

    /// <summary>How streamed response bodies are read: into blocks of the channel's own pool.</summary>
    internal StreamPipeReaderOptions StreamingResponseBody { get; }

    /// <summary>The pool behind <see cref="StreamingResponseBody"/> (for tests).</summary>
    internal ResponseBufferPool ResponseBuffers => _responseBuffers;

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal CancellationToken ShutdownToken => _shutdown.Token;

    /// <summary>Creates a channel for an <c>http://</c> or <c>https://</c> address.</summary>
    public static RpcChannel ForAddress(string address, RpcChannelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        return Uri.TryCreate(address, UriKind.Absolute, out var uri)
            ? ForAddress(uri, options)
            : throw new ArgumentException($"The address '{address}' must be an absolute http:// or https:// URI.", nameof(address));
    }

    /// <summary>Creates a channel for an <c>http://</c> or <c>https://</c> address.</summary>
    public static RpcChannel ForAddress(Uri address, RpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The address '{address}' must be an absolute http:// or https:// URI.", nameof(address));
        }

        return new RpcChannel(address, options ?? new RpcChannelOptions());
    }

    /// <summary>The invoker typed clients use; one per channel, safe to share.</summary>
    public override CallInvoker CreateCallInvoker() => _callInvoker;

    /// <summary>
    /// Cancels the calls still running (CANCELLED) and closes the channel's connections if it owns the handler. New
    /// calls throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // The source is left undisposed: a call starting concurrently may still register on its token.
            _shutdown.Cancel();
            HttpInvoker.Dispose();
            _responseBuffers.Dispose();
        }
    }

    internal Uri GetRequestUri(IMethod method) =>
        _requestUris.TryGetValue(method.FullName, out var uri)
            ? uri
            : _requestUris.GetOrAdd(method.FullName, static (fullName, baseUri) => new Uri(baseUri + fullName, UriKind.Absolute), _baseUri);

    private static SocketsHttpHandler CreateHandler(RpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            // One connection carries up to the server's stream limit (100 for Kestrel); past it, more connections
            // open instead of queueing calls.
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = options.KeepAlivePingPolicy,
            PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
            ConnectTimeout = options.ConnectTimeout,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        if (options.ServerCertificateCustomValidationCallback is { } validate)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = validate;
        }

        return handler;
    }
}
