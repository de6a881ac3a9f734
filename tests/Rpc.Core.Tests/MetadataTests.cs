namespace Rpc.Core.Tests;

public sealed class MetadataTests
{
    [Fact]
    public void Add_UppercaseKey_IsStoredLowercase()
    {
        var metadata = new Metadata { { "X-Custom", "v" } };
        Assert.Equal("x-custom", metadata[0].Key);
        Assert.Equal("v", metadata.GetValue("x-custom"));
    }

    [Theory]
    [InlineData("bad key")]
    [InlineData("bad:key")]
    [InlineData("")]
    public void Add_InvalidKey_Throws(string key)
    {
        Assert.ThrowsAny<ArgumentException>(() => new Metadata { { key, "v" } });
    }

    [Fact]
    public void Add_BinaryKeyWithString_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Metadata { { "x-bin", "v" } });
    }

    [Fact]
    public void Add_AsciiKeyWithBytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Metadata { { "x", new byte[] { 1 } } });
    }

    [Fact]
    public void Add_NonPrintableValue_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Metadata { { "x", "line\nbreak" } });
    }

    [Fact]
    public void Get_RepeatedKey_ReturnsLastEntry()
    {
        var metadata = new Metadata { { "k", "1" }, { "k", "2" } };
        Assert.Equal("2", metadata.GetValue("k"));
        Assert.Equal(2, metadata.GetAll("k").Count());
    }

    [Fact]
    public void Add_FrozenMetadata_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => Metadata.Empty.Add("k", "v"));
    }
}
