using System.Text;
using Google.Protobuf;
using Grpc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Rpc.Server;

namespace Rpc.EndToEnd.Tests.Infrastructure;

/// <summary>
/// grpc.testing.TestService reduced to what these tests need: responses of the asked size (zeros, so they
/// compress well), every request's payload size recorded, calls held open on request (<see cref="ServiceProbe"/>)
/// and, for server streaming, the requested status after the responses.
/// </summary>
internal sealed class EndToEndTestService(ServiceProbe probe) : TestService.TestServiceBase
{
    /// <summary>The trailer sent with a requested status.</summary>
    public const string StatusTrailer = "x-e2e-trailer";

    public override Task<Empty> EmptyCall(Empty request, ServerCallContext context)
    {
        using var call = Start(context);
        return Task.FromResult(new Empty());
    }

    public override async Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context)
    {
        using var call = Start(context);
        probe.RequestPayloadSizes.Enqueue(request.Payload?.Body.Length ?? 0);
        await probe.HoldIfAskedAsync(context);
        return new SimpleResponse { Payload = Zeros(request.ResponseSize) };
    }

    public override async Task StreamingOutputCall(
        StreamingOutputCallRequest request,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        using var call = Start(context);
        probe.RequestPayloadSizes.Enqueue(request.Payload?.Body.Length ?? 0);
        for (var i = 0; i < request.ResponseParameters.Count; i++)
        {
            if (i == 1)
            {
                await probe.HoldIfAskedAsync(context);
            }

            await responseStream.WriteAsync(new StreamingOutputCallResponse { Payload = Zeros(request.ResponseParameters[i].Size) }, context.CancellationToken);
        }

        // A status after the messages travels in the trailers (the trailers frame for gRPC-Web), not in headers.
        if (request.ResponseStatus is { Code: not 0 } status)
        {
            throw new RpcException(new Status((StatusCode)status.Code, status.Message), new Metadata { { StatusTrailer, "after-messages" } });
        }
    }

    public override async Task<StreamingInputCallResponse> StreamingInputCall(
        IAsyncStreamReader<StreamingInputCallRequest> requestStream,
        ServerCallContext context)
    {
        using var call = Start(context);
        var total = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var size = request.Payload?.Body.Length ?? 0;
            probe.RequestPayloadSizes.Enqueue(size);
            total += size;
        }

        return new StreamingInputCallResponse { AggregatedPayloadSize = total };
    }

    /// <summary>Answers each request as it arrives with the responses it asks for.</summary>
    public override async Task FullDuplexCall(
        IAsyncStreamReader<StreamingOutputCallRequest> requestStream,
        IServerStreamWriter<StreamingOutputCallResponse> responseStream,
        ServerCallContext context)
    {
        using var call = Start(context);
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            probe.RequestPayloadSizes.Enqueue(request.Payload?.Body.Length ?? 0);
            foreach (var parameters in request.ResponseParameters)
            {
                await responseStream.WriteAsync(new StreamingOutputCallResponse { Payload = Zeros(parameters.Size) }, context.CancellationToken);
            }
        }
    }

    private static Payload Zeros(int size) => new() { Body = ByteString.CopyFrom(new byte[size]) };

    private IDisposable Start(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var alpn = http.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol;
        return probe.CallStarted(context, new Transport(
            http.Request.Protocol,
            http.Request.IsHttps,
            alpn is { Length: > 0 } protocol ? Encoding.ASCII.GetString(protocol.Span) : null));
    }
}
