using Grpc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Rpc.Client;
using Rpc.EndToEnd.Tests.Infrastructure;
using Rpc.Wire;

namespace Rpc.EndToEnd.Tests;

/// <summary>
/// Our client in gRPC-Web mode (binary and text) against our server's gRPC-Web over HTTP/1.1, as a browser-facing
/// endpoint serves it: the call kinds gRPC-Web carries from a browser (unary and server streaming), and a status that
/// arrives after messages, which gRPC-Web moves from HTTP trailers into a trailers frame in the body.
/// </summary>
public sealed class GrpcWebTests
{
    [Theory(Timeout = 20_000)]
    [InlineData(GrpcWireFormat.Web, CallKind.Unary)]
    [InlineData(GrpcWireFormat.Web, CallKind.ServerStreaming)]
    [InlineData(GrpcWireFormat.WebText, CallKind.Unary)]
    [InlineData(GrpcWireFormat.WebText, CallKind.ServerStreaming)]
    public async Task Call_GrpcWebOverHttp1_Succeeds(GrpcWireFormat format, CallKind kind)
    {
        await using var server = await TestServer.StartAsync(protocols: HttpProtocols.Http1, grpcWeb: true);
        using var channel = RpcChannel.ForAddress(server.Address, new RpcChannelOptions { WireFormat = format });
        var client = new TestService.TestServiceClient(channel);

        var status = await CallKinds.RunAsync(client, kind, new CallOptions(CancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.OK, status.StatusCode);
        Assert.Equal([new Transport("HTTP/1.1", IsHttps: false, ApplicationProtocol: null)], server.Probe.Transports);
    }

    [Theory(Timeout = 20_000)]
    [InlineData(GrpcWireFormat.Grpc)]
    [InlineData(GrpcWireFormat.Web)]
    [InlineData(GrpcWireFormat.WebText)]
    public async Task ServerStreaming_StatusAfterMessages_ClientReadsMessagesThenStatusAndTrailers(GrpcWireFormat format)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var server = await TestServer.StartAsync(
            protocols: format == GrpcWireFormat.Grpc ? HttpProtocols.Http2 : HttpProtocols.Http1,
            grpcWeb: format != GrpcWireFormat.Grpc);
        using var channel = RpcChannel.ForAddress(server.Address, new RpcChannelOptions { WireFormat = format });
        var client = new TestService.TestServiceClient(channel);
        var request = new StreamingOutputCallRequest { ResponseStatus = new EchoStatus { Code = (int)StatusCode.Aborted, Message = "stopped after two ✓" } };
        request.ResponseParameters.Add([new() { Size = 1 }, new() { Size = 2 }]);

        using var call = client.StreamingOutputCall(request, cancellationToken: cancellationToken);
        var sizes = new List<int>();
        var failure = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                sizes.Add(call.ResponseStream.Current.Payload.Body.Length);
            }
        });

        Assert.Equal([1, 2], sizes);
        Assert.Equal(new Status(StatusCode.Aborted, "stopped after two ✓"), failure.Status);
        Assert.Equal(failure.Status, call.GetStatus());
        Assert.Equal("after-messages", failure.Trailers.GetValue(EndToEndTestService.StatusTrailer));
        Assert.Equal("after-messages", call.GetTrailers().GetValue(EndToEndTestService.StatusTrailer));
    }
}
