using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Rpc.Server.Calls;

/// <summary>What every call handler of one application shares: options, logger, clock.</summary>
internal sealed class RpcServerRuntime(IOptions<RpcServerOptions> options, ILoggerFactory loggerFactory, TimeProvider timeProvider)
{
    public RpcServerOptions Options { get; } = options.Value;

    public ILogger Logger { get; } = loggerFactory.CreateLogger("Rpc.Server");

    public TimeProvider TimeProvider { get; } = timeProvider;

    /// <summary>The <c>grpc-accept-encoding</c> value, computed once.</summary>
    public string AcceptEncoding { get; } = options.Value.CompressionProviders.AcceptEncoding;
}
