using System.Text;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.Core.Tests.Agents;

/// <summary>Cutting output to a byte budget without breaking a character.</summary>
public sealed class Utf8TextTests
{
    [Theory]
    [InlineData("abcdef", 4, "abcd")]
    [InlineData("ab", 4, "ab")]
    [InlineData("aé", 2, "a")]
    [InlineData("a😀b", 4, "a")]
    [InlineData("a😀b", 5, "a😀")]
    public void Head_TextOverBudget_LongestWholeCharacterPrefix(string text, int maxBytes, string expected) =>
        Assert.Equal(expected, Utf8Text.Head(text, maxBytes));

    [Theory]
    [InlineData("abcdef", 4, "cdef")]
    [InlineData("éa", 2, "a")]
    [InlineData("a😀b", 4, "b")]
    [InlineData("a😀b", 5, "😀b")]
    public void Tail_TextOverBudget_LongestWholeCharacterSuffix(string text, int maxBytes, string expected) =>
        Assert.Equal(expected, Utf8Text.Tail(text, maxBytes));

    [Fact]
    public void OutputTail_ManyLines_KeepsTheLastWithinTheBudget()
    {
        var tail = new OutputTail(100);
        for (var i = 1; i <= 1000; i++)
        {
            tail.Add($"line {i}");
        }

        var text = tail.ToString();

        Assert.EndsWith("line 999\nline 1000", text, StringComparison.Ordinal);
        Assert.InRange(Encoding.UTF8.GetByteCount(text), 90, 100);
    }

    [Fact]
    public void OutputTail_OneHugeLine_KeepsItsEnd()
    {
        var tail = new OutputTail(10);
        tail.Add(new string('a', 50) + "0123456789");

        Assert.Equal("0123456789", tail.ToString());
    }
}
