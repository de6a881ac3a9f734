using System.Collections.ObjectModel;
using Rpc.Interceptors;
using Rpc.Wire;

namespace Rpc.Server;

/// <summary>Options for every service mapped with <c>MapRpcService</c>; read once, when the services are mapped.</summary>
public sealed class RpcServerOptions
{
    /// <summary>Largest request message accepted (after decompression); null for no limit. Default 4 MiB.</summary>
    public int? MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>Largest response message sent; null for no limit. Default 4 MiB.</summary>
    public int? MaxSendMessageSize { get; set; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>The encodings the server accepts and can send (advertised in <c>grpc-accept-encoding</c>).</summary>
    public CompressionProviders CompressionProviders { get; set; } = CompressionProviders.Default;

    /// <summary>
    /// Encoding for response messages when the handler does not choose one (<see cref="ServerCallContext.ResponseCompression"/>)
    /// and the client's <c>grpc-accept-encoding</c> names it. Null sends uncompressed responses.
    /// </summary>
    public string? ResponseCompression { get; set; }

    /// <summary>Adds the exception's type and message to the UNKNOWN status a failing handler produces.</summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>Server interceptors; the first added runs outermost.</summary>
    public InterceptorCollection Interceptors { get; } = [];

    /// <summary>
    /// When set, Kestrel's HTTP/2 keep-alive ping delay (an idle connection gets a PING after this long), so
    /// long-lived streams notice dead peers. Null leaves Kestrel's setting alone.
    /// </summary>
    public TimeSpan? KeepAlivePingDelay { get; set; }

    /// <summary>When set, how long Kestrel waits for a PING acknowledgement before closing the connection.</summary>
    public TimeSpan? KeepAlivePingTimeout { get; set; }
}

/// <summary>The server interceptors, outermost first.</summary>
public sealed class InterceptorCollection : Collection<InterceptorRegistration>
{
    /// <summary>
    /// Adds an interceptor type. It is resolved from DI per call when registered there, otherwise activated per
    /// call with constructor injection (plus <paramref name="arguments"/>).
    /// </summary>
    public void Add<TInterceptor>(params object[] arguments)
        where TInterceptor : Interceptor
        => Add(typeof(TInterceptor), arguments);

    /// <inheritdoc cref="Add{TInterceptor}(object[])"/>
    public void Add(Type interceptorType, params object[] arguments)
    {
        ArgumentNullException.ThrowIfNull(interceptorType);
        ArgumentNullException.ThrowIfNull(arguments);
        if (!typeof(Interceptor).IsAssignableFrom(interceptorType))
        {
            throw new ArgumentException($"Type '{interceptorType}' does not derive from {nameof(Interceptor)}.", nameof(interceptorType));
        }

        Add(new InterceptorRegistration(interceptorType, null, arguments));
    }

    /// <summary>Adds an interceptor instance, shared by every call.</summary>
    public void Add(Interceptor interceptor)
    {
        ArgumentNullException.ThrowIfNull(interceptor);
        Add(new InterceptorRegistration(interceptor.GetType(), interceptor, []));
    }
}

/// <summary>One interceptor: a type to resolve per call, or a shared instance.</summary>
/// <param name="Type">The interceptor type.</param>
/// <param name="Instance">The shared instance, or null to resolve <paramref name="Type"/> per call.</param>
/// <param name="Arguments">Extra constructor arguments for per-call activation.</param>
public sealed record InterceptorRegistration(Type Type, Interceptor? Instance, IReadOnlyList<object> Arguments);
