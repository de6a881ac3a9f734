using Grpc.Testing;

namespace Rpc.CodeGen.Tests.GeneratedCode;

/// <summary>Overrides one RPC of each kind and records which override ran.</summary>
internal sealed class TestServiceImplementation : TestService.TestServiceBase
{
    public List<string> Invoked { get; } = [];

    public override Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context)
    {
        Invoked.Add(nameof(UnaryCall));
        return Task.FromResult(new SimpleResponse { Username = "unary:" + request.ResponseSize });
    }

    public override async Task StreamingOutputCall(
        StreamingOutputCallRequest request,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        Invoked.Add(nameof(StreamingOutputCall));
        await responseStream.WriteAsync(new StreamingOutputCallResponse(), context.CancellationToken);
    }

    public override async Task<StreamingInputCallResponse> StreamingInputCall(
        IAsyncStreamReader<StreamingInputCallRequest> requestStream, ServerCallContext context)
    {
        Invoked.Add(nameof(StreamingInputCall));
        var total = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            total += request.Payload.Body.Length;
        }

        return new StreamingInputCallResponse { AggregatedPayloadSize = total };
    }

    public override Task FullDuplexCall(
        IAsyncStreamReader<StreamingOutputCallRequest> requestStream,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        Invoked.Add(nameof(FullDuplexCall));
        return Task.CompletedTask;
    }
}

/// <summary>Overrides nothing: every RPC falls through to the generated default.</summary>
internal sealed class EmptyTestService : TestService.TestServiceBase;
