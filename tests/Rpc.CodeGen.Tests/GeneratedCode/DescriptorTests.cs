using Grpc.Testing;

namespace Rpc.CodeGen.Tests.GeneratedCode;

public sealed class DescriptorTests
{
    [Fact]
    public void Descriptor_TestService_IsTheFilesFirstService()
    {
        var descriptor = TestService.Descriptor;

        Assert.Same(TestReflection.Descriptor.Services[0], descriptor);
        Assert.Equal("grpc.testing.TestService", descriptor.FullName);
        Assert.Equal(8, descriptor.Methods.Count);
    }

    [Fact]
    public void Descriptor_LaterServicesOfTheFile_PointAtTheirOwnIndex()
    {
        Assert.Equal("grpc.testing.UnimplementedService", UnimplementedService.Descriptor.FullName);
        Assert.Equal("grpc.testing.ReconnectService", ReconnectService.Descriptor.FullName);
    }

    [Fact]
    public void Descriptor_StreamingFlags_MatchTheBoundMethodTypes()
    {
        var binder = new Infrastructure.RecordingServiceBinder<TestService.TestServiceBase>();
        TestService.BindService(binder);

        foreach (var method in TestService.Descriptor.Methods)
        {
            var expected = (method.IsClientStreaming, method.IsServerStreaming) switch
            {
                (false, false) => MethodType.Unary,
                (true, false) => MethodType.ClientStreaming,
                (false, true) => MethodType.ServerStreaming,
                (true, true) => MethodType.DuplexStreaming,
            };
            Assert.Equal(expected, binder[method.Name].Method.Type);
        }
    }
}
