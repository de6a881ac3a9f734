using Google.Protobuf;
using Grpc.Testing;
using Rpc.CodeGen.Tests.Infrastructure;

namespace Rpc.CodeGen.Tests.GeneratedCode;

public sealed class BindServiceTests
{
    [Fact]
    public void BindService_RecordingBinder_ReceivesEveryTestServiceMethodInOrder()
    {
        var binder = new RecordingServiceBinder<TestServiceImplementation>();

        TestService.BindService(binder);

        Assert.Equal(
            [
                ("/grpc.testing.TestService/EmptyCall", MethodType.Unary),
                ("/grpc.testing.TestService/UnaryCall", MethodType.Unary),
                ("/grpc.testing.TestService/CacheableUnaryCall", MethodType.Unary),
                ("/grpc.testing.TestService/StreamingOutputCall", MethodType.ServerStreaming),
                ("/grpc.testing.TestService/StreamingInputCall", MethodType.ClientStreaming),
                ("/grpc.testing.TestService/FullDuplexCall", MethodType.DuplexStreaming),
                ("/grpc.testing.TestService/HalfDuplexCall", MethodType.DuplexStreaming),
                ("/grpc.testing.TestService/UnimplementedCall", MethodType.Unary),
            ],
            binder.Methods.Select(m => (m.Method.FullName, m.Method.Type)));
        Assert.All(binder.Methods, m => Assert.Equal("grpc.testing.TestService", m.Method.ServiceName));
    }

    [Fact]
    public void BindService_OtherServicesOfTheFile_BindTheirOwnMethods()
    {
        var unimplemented = new RecordingServiceBinder<UnimplementedService.UnimplementedServiceBase>();
        var reconnect = new RecordingServiceBinder<ReconnectService.ReconnectServiceBase>();

        UnimplementedService.BindService(unimplemented);
        ReconnectService.BindService(reconnect);

        Assert.Equal(["/grpc.testing.UnimplementedService/UnimplementedCall"], unimplemented.Methods.Select(m => m.Method.FullName));
        Assert.Equal(
            ["/grpc.testing.ReconnectService/Start", "/grpc.testing.ReconnectService/Stop"],
            reconnect.Methods.Select(m => m.Method.FullName));
    }

    [Fact]
    public async Task BindService_UnaryHandler_CallsTheServiceOverride()
    {
        var binder = new RecordingServiceBinder<TestServiceImplementation>();
        TestService.BindService(binder);
        var handler = Assert.IsType<UnaryServerMethod<TestServiceImplementation, SimpleRequest, SimpleResponse>>(
            binder["UnaryCall"].Handler);
        var service = new TestServiceImplementation();

        var response = await handler(service, new SimpleRequest { ResponseSize = 7 }, new TestServerCallContext("/grpc.testing.TestService/UnaryCall"));

        Assert.Equal("unary:7", response.Username);
        Assert.Equal(["UnaryCall"], service.Invoked);
    }

    [Fact]
    public async Task BindService_StreamingHandlers_CallTheServiceOverrides()
    {
        var binder = new RecordingServiceBinder<TestServiceImplementation>();
        TestService.BindService(binder);
        var service = new TestServiceImplementation();
        var context = new TestServerCallContext("/grpc.testing.TestService/x");
        var writer = new CollectingWriter<StreamingOutputCallResponse>();
        var requests = new ListReader<StreamingInputCallRequest>(
            new StreamingInputCallRequest { Payload = new Payload { Body = ByteString.CopyFrom(1, 2, 3) } },
            new StreamingInputCallRequest { Payload = new Payload { Body = ByteString.CopyFrom(4) } });

        await Assert.IsType<ServerStreamingServerMethod<TestServiceImplementation, StreamingOutputCallRequest, StreamingOutputCallResponse>>(
            binder["StreamingOutputCall"].Handler)(service, new StreamingOutputCallRequest(), writer, context);
        var aggregate = await Assert.IsType<ClientStreamingServerMethod<TestServiceImplementation, StreamingInputCallRequest, StreamingInputCallResponse>>(
            binder["StreamingInputCall"].Handler)(service, requests, context);
        await Assert.IsType<DuplexStreamingServerMethod<TestServiceImplementation, StreamingOutputCallRequest, StreamingOutputCallResponse>>(
            binder["FullDuplexCall"].Handler)(service, new ListReader<StreamingOutputCallRequest>(), writer, context);

        Assert.Equal(["StreamingOutputCall", "StreamingInputCall", "FullDuplexCall"], service.Invoked);
        Assert.Single(writer.Written);
        Assert.Equal(4, aggregate.AggregatedPayloadSize);
    }

    [Fact]
    public void BindServiceMethodAttribute_OnServiceBase_NamesTheStaticBindService()
    {
        var attribute = Assert.Single(
            typeof(TestServiceImplementation).GetCustomAttributes(typeof(BindServiceMethodAttribute), inherit: true)
                .Cast<BindServiceMethodAttribute>());

        Assert.Equal(typeof(TestService), attribute.BindType);
        Assert.Equal("BindService", attribute.BindMethodName);
        var bindService = Assert.Single(attribute.BindType.GetMethods(), m => m.Name == attribute.BindMethodName);
        Assert.True(bindService.IsStatic && bindService.IsGenericMethodDefinition);
    }

    [Fact]
    public void Marshallers_BoundMethod_RoundTripTheRequestAndResponseMessages()
    {
        var binder = new RecordingServiceBinder<TestServiceImplementation>();
        TestService.BindService(binder);
        var method = Assert.IsType<Method<SimpleRequest, SimpleResponse>>(binder["UnaryCall"].Method);
        var request = new SimpleRequest { ResponseSize = 42, FillUsername = true };
        var response = new SimpleResponse { Username = "someone", OauthScope = "scope" };

        Assert.Equal(request, BufferMarshalling.RoundTrip(method.RequestMarshaller, request));
        Assert.Equal(response, BufferMarshalling.RoundTrip(method.ResponseMarshaller, response));
    }
}
