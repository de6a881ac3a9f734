using Rpc.Wire;

namespace Rpc.Core.Tests.Wire;

public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("application/grpc", GrpcWireFormat.Grpc)]
    [InlineData("application/grpc+proto", GrpcWireFormat.Grpc)]
    [InlineData("Application/GRPC+json; charset=utf-8", GrpcWireFormat.Grpc)]
    [InlineData("application/grpc-web", GrpcWireFormat.Web)]
    [InlineData("application/grpc-web+proto", GrpcWireFormat.Web)]
    [InlineData("application/grpc-web-text", GrpcWireFormat.WebText)]
    [InlineData("application/grpc-web-text+proto", GrpcWireFormat.WebText)]
    public void ParseContentType_GrpcFamilies_AreRecognised(string contentType, GrpcWireFormat expected)
    {
        Assert.Equal(expected, GrpcProtocol.ParseContentType(contentType));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("application/json")]
    [InlineData("application/grpcx")]
    [InlineData("text/plain")]
    public void ParseContentType_Others_AreNotGrpc(string? contentType)
    {
        Assert.Null(GrpcProtocol.ParseContentType(contentType));
    }

    [Theory]
    [InlineData("gzip", true)]
    [InlineData("identity", true)]
    [InlineData(null, true)]
    [InlineData("snappy", false)]
    public void CompressionProviders_TryGet_KnowsDefaults(string? encoding, bool known)
    {
        Assert.Equal(known, CompressionProviders.Default.TryGet(encoding, out _));
    }

    [Fact]
    public void CompressionProviders_AcceptEncoding_ListsIdentityAndProviders()
    {
        Assert.Equal("identity,gzip,deflate", CompressionProviders.Default.AcceptEncoding);
        Assert.True(CompressionProviders.Accepts("identity, gzip", "gzip"));
        Assert.False(CompressionProviders.Accepts("identity", "gzip"));
    }
}
