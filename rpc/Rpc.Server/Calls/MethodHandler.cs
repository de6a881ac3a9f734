using Microsoft.AspNetCore.Http;
using Rpc.Wire;

namespace Rpc.Server.Calls;

/// <summary>
/// The endpoint of one method: checks the request is a gRPC call it can serve, creates the call, runs the
/// handler and ends the call. Everything per method is resolved at bind time; a call costs no reflection.
/// </summary>
internal abstract class MethodHandler(IMethod method, RpcServiceState service, RpcServerRuntime runtime)
{
    public IMethod Method { get; } = method;

    public RpcServerRuntime Runtime { get; } = runtime;

    /// <summary>True when the request is a stream whose total size and pace gRPC does not bound.</summary>
    public bool LiftsRequestBodyLimits { get; } =
        method.Type is MethodType.ClientStreaming or MethodType.DuplexStreaming
        || runtime.Options.MaxReceiveMessageSize is null or > 16 * 1024 * 1024;

    /// <summary>The request delegate of this method's endpoint.</summary>
    public Task HandleRequestAsync(HttpContext http)
    {
        var request = http.Request;
        var contentType = request.ContentType;
        var format = GrpcProtocol.ParseContentType(contentType);
        if (format is null || (format != GrpcWireFormat.Grpc && !service.WebEnabled))
        {
            return RpcResponses.UnsupportedContentType(http, Runtime);
        }

        if (format == GrpcWireFormat.Grpc && !IsHttp2OrLater(request.Protocol))
        {
            return RpcResponses.UnsupportedProtocol(http, Runtime);
        }

        // Routing matches paths case-insensitively; gRPC method names are case-sensitive.
        if (!string.Equals(request.Path.Value, Method.FullName, StringComparison.Ordinal))
        {
            return RpcResponses.Unimplemented(http, Runtime, format.Value, "Method is unimplemented.");
        }

        var call = new ServerCall(http, this, format.Value, RpcResponses.ResponseContentType(contentType!, format.Value));
        if (!call.TryStart())
        {
            call.CompleteEarly();
            call.Dispose();
            return Task.CompletedTask;
        }

        return RunCallAsync(call);
    }

    /// <summary>Reads the request(s), invokes the handler pipeline, writes the response(s), then ends the call.</summary>
    protected abstract Task RunCallAsync(ServerCall call);

    /// <summary>
    /// Ends the call with the handler's outcome. Completes synchronously unless the call has a deadline (whose
    /// timer may be ending the response at the same moment).
    /// </summary>
    protected Task EndCallAsync(ServerCall call, Exception? error)
    {
        Task completion;
        try
        {
            completion = call.CompleteAsync(error);
        }
        catch (Exception ex)
        {
            CompletionFailed(call, ex);
            return Task.CompletedTask;
        }

        if (completion.IsCompletedSuccessfully)
        {
            call.Dispose();
            return Task.CompletedTask;
        }

        return AwaitCompletionAsync(call, completion);
    }

    private async Task AwaitCompletionAsync(ServerCall call, Task completion)
    {
        try
        {
            await completion.ConfigureAwait(false);
            call.Dispose();
        }
        catch (Exception ex)
        {
            CompletionFailed(call, ex);
        }
    }

    /// <summary>
    /// The status could not be written (e.g. the response broke); reset the stream rather than end it without
    /// a status, which a client would misread.
    /// </summary>
    private void CompletionFailed(ServerCall call, Exception error)
    {
        Log.HandlerFailed(Runtime.Logger, Method.FullName, error);
        call.HttpContext.Abort();
        call.Dispose();
    }

    private static bool IsHttp2OrLater(string protocol) =>
        HttpProtocol.IsHttp2(protocol) || HttpProtocol.IsHttp3(protocol);
}

/// <summary>Per-service switches shared by the service's method endpoints.</summary>
internal sealed class RpcServiceState
{
    /// <summary>Set by <c>EnableGrpcWeb()</c>; before that, gRPC-Web content types get 415.</summary>
    public bool WebEnabled { get; set; }
}
