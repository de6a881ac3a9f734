using DevServer.Cli.Commands;

namespace DevServer.Cli.Tests.Commands;

public sealed class DurationTextTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("1m30s", 90)]
    [InlineData("500ms", 0.5)]
    [InlineData("01:30:00", 5400)]
    [InlineData(" 5m ", 300)]
    public void TryParse_ValidDuration_ReturnsIt(string text, double seconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("-5m")]
    [InlineData("0s")]
    [InlineData("5 m")]
    [InlineData("5y")]
    [InlineData("00:00:00")]
    public void TryParse_InvalidOrZero_Refuses(string text)
    {
        Assert.False(DurationText.TryParse(text, out _));
    }
}
