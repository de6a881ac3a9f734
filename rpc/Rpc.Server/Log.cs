using Microsoft.Extensions.Logging;

namespace Rpc.Server;

/// <summary>The server's log messages (source-generated).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Error, "Handler of {Method} threw an exception.")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "Call {Method} ended with status {StatusCode}: {Detail}")]
    public static partial void CallFailed(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(3, LogLevel.Debug, "Call {Method} was cancelled by the client.")]
    public static partial void CallCancelled(ILogger logger, string method);

    [LoggerMessage(4, LogLevel.Debug, "Call {Method} exceeded its deadline ({Deadline:O}).")]
    public static partial void DeadlineExceeded(ILogger logger, string method, DateTime deadline);

    [LoggerMessage(5, LogLevel.Debug, "Call {Method} sent a malformed grpc-timeout '{Timeout}'; serving it without a deadline.")]
    public static partial void MalformedTimeout(ILogger logger, string method, string timeout);

    [LoggerMessage(6, LogLevel.Debug, "Call {Method} used unsupported grpc-encoding '{Encoding}'.")]
    public static partial void UnsupportedEncoding(ILogger logger, string method, string encoding);

    [LoggerMessage(7, LogLevel.Debug, "Request to {Path} has unsupported content type '{ContentType}'.")]
    public static partial void UnsupportedContentType(ILogger logger, string path, string? contentType);

    [LoggerMessage(8, LogLevel.Debug, "Request to {Path} uses protocol {Protocol}; gRPC needs HTTP/2.")]
    public static partial void UnsupportedProtocol(ILogger logger, string path, string protocol);

    [LoggerMessage(9, LogLevel.Debug, "No gRPC method is mapped at {Path}.")]
    public static partial void Unimplemented(ILogger logger, string path);

    [LoggerMessage(10, LogLevel.Debug, "Ending call {Method} after its deadline failed.")]
    public static partial void DeadlineCompletionFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(11, LogLevel.Debug, "Handler of {Method} finished after its response had ended; its outcome is discarded.")]
    public static partial void OutcomeDiscarded(ILogger logger, string method, Exception? exception);

    [LoggerMessage(12, LogLevel.Debug, "Skipped request header '{Header}' of call {Method}: not valid gRPC metadata.")]
    public static partial void InvalidRequestHeader(ILogger logger, string method, string header);

    [LoggerMessage(13, LogLevel.Warning, "Call {Method} asked for response compression '{Encoding}', which the server does not support; responding uncompressed.")]
    public static partial void UnknownResponseCompression(ILogger logger, string method, string encoding);
}
