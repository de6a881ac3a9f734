using Rpc.Wire;

namespace Rpc.Core.Tests.Wire;

public sealed class MetadataEncodingTests
{
    [Fact]
    public void EncodeValue_BinaryEntry_IsUnpaddedBase64()
    {
        var entry = new Metadata.Entry("trace-bin", [0xAB, 0xCD]);
        Assert.Equal("q80", MetadataEncoding.EncodeValue(entry));
    }

    [Theory]
    [InlineData("q80")]
    [InlineData("q80=")]
    public void TryAddHeader_BinaryPaddedOrNot_DecodesBytes(string value)
    {
        var metadata = new Metadata();
        Assert.True(MetadataEncoding.TryAddHeader(metadata, "trace-bin", value));
        Assert.Equal(new byte[] { 0xAB, 0xCD }, metadata.GetValueBytes("trace-bin"));
    }

    [Fact]
    public void TryAddHeader_CommaJoinedBinaryValues_YieldsOneEntryEach()
    {
        var metadata = new Metadata();
        Assert.True(MetadataEncoding.TryAddHeader(metadata, "x-bin", "AQ==, AgM"));
        Assert.Equal([[0x01], [0x02, 0x03]], metadata.GetAll("x-bin").Select(e => e.ValueBytes).ToArray());
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("A")]
    public void TryAddHeader_InvalidBase64_ReturnsFalse(string value)
    {
        Assert.False(MetadataEncoding.TryAddHeader(new Metadata(), "x-bin", value));
    }

    [Fact]
    public void TryAddHeader_AsciiKey_KeepsValueAsIs()
    {
        var metadata = new Metadata();
        Assert.True(MetadataEncoding.TryAddHeader(metadata, "x-user", "a, b"));
        Assert.Equal("a, b", metadata.GetValue("x-user"));
    }
}
