using Rpc.Wire;

namespace Rpc.Core.Tests.Wire;

public sealed class GrpcStatusMessageTests
{
    [Fact]
    public void Encode_PrintableAscii_IsUnchanged()
    {
        Assert.Equal("plain message 123", GrpcStatusMessage.Encode("plain message 123"));
    }

    [Fact]
    public void Encode_ControlUnicodeAndPercent_ArePercentEncodedUtf8()
    {
        Assert.Equal("a%25b%0A%E2%98%BA", GrpcStatusMessage.Encode("a%b\n☺"));
    }

    [Fact]
    public void EncodeThenDecode_SpecialStatusMessage_RoundTrips()
    {
        const string message = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";
        Assert.Equal(message, GrpcStatusMessage.Decode(GrpcStatusMessage.Encode(message)));
    }

    [Theory]
    [InlineData("100%", "100%")]
    [InlineData("%zz end", "%zz end")]
    [InlineData("%4", "%4")]
    [InlineData("%41%42", "AB")]
    public void Decode_MalformedEscapes_AreKeptAsTheyAre(string value, string expected)
    {
        Assert.Equal(expected, GrpcStatusMessage.Decode(value));
    }

    [Fact]
    public void Decode_Null_YieldsEmpty()
    {
        Assert.Equal(string.Empty, GrpcStatusMessage.Decode(null));
    }
}
