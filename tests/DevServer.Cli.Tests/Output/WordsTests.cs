using DevServer.Cli.Output;
using DevServer.Contracts.Tasks.V1;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli.Tests.Output;

public sealed class WordsTests
{
    [Theory]
    [InlineData(0.12, "120ms")]
    [InlineData(1.5, "1.5s")]
    [InlineData(42, "42s")]
    [InlineData(600, "10m")]
    [InlineData(630, "10m 30s")]
    [InlineData(3600, "1h")]
    [InlineData(3930, "1h 5m")]
    public void Duration_Span_ReadsShort(double seconds, string expected)
    {
        Assert.Equal(expected, Words.Duration(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Outcome_TwoWordName_IsLowercaseWords()
    {
        Assert.Equal("timed out", Words.Outcome(RunOutcome.TimedOut));
    }

    [Fact]
    public void ParseStatus_EveryListedName_RoundTrips()
    {
        Assert.Equal(9, Words.StatusNames.Count);
        foreach (var name in Words.StatusNames)
        {
            Assert.Equal(name, Words.Status(Words.ParseStatus(name)));
        }

        Assert.Equal(TaskStatus.Cancelled, Words.ParseStatus("CANCELLED"));
    }
}
