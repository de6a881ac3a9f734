using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Testing;
using Rpc;

namespace DevServer.Benchmarks.Serving;

/// <summary>
/// The lean TestService our server runs, the counterpart of tests/Interop/node/bench-server.mjs: no metadata echo,
/// no compression hooks. Like the Node server it shares one zero-filled body per size (ByteString is immutable) and
/// builds a new response message per reply, as a real handler would.
/// </summary>
internal sealed class BenchTestService : TestService.TestServiceBase
{
    private static readonly ConcurrentDictionary<int, ByteString> ZeroBodies = new();

    public override Task<Empty> EmptyCall(Empty request, ServerCallContext context) => Task.FromResult(new Empty());

    public override Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context) =>
        Task.FromResult(new SimpleResponse { Payload = Zeros(request.ResponseSize) });

    public override async Task StreamingOutputCall(
        StreamingOutputCallRequest request,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        foreach (var parameter in request.ResponseParameters)
        {
            await responseStream.WriteAsync(new StreamingOutputCallResponse { Payload = Zeros(parameter.Size) }, context.CancellationToken);
        }
    }

    /// <summary>A payload of <paramref name="size"/> zero bytes, its body shared per size; also the raw + protobuf server's.</summary>
    internal static Payload Zeros(int size) =>
        new() { Type = PayloadType.Compressable, Body = ZeroBodies.GetOrAdd(size, static n => ByteString.CopyFrom(new byte[n])) };
}
