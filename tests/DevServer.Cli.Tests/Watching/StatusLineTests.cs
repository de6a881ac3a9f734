using DevServer.Cli.Tests.Infrastructure;
using DevServer.Cli.Watching;

namespace DevServer.Cli.Tests.Watching;

public sealed class StatusLineTests
{
    private const string Clear = "\r\u001b[2K";

    [Fact]
    public void WriteLine_Terminal_KeepsTheStatusLineUnderTheLinesAndRefreshesItEverySecond()
    {
        var clock = new ManualClock(Samples.Start);
        using var output = new StringWriter { NewLine = "\n" };
        var status = "S1";
        var line = new StatusLine(output, clock, () => status, enabled: true, width: 80);

        line.WriteLine("a");
        status = "S2";
        clock.Advance(TimeSpan.FromSeconds(1));
        line.WriteLine("b");
        line.Dispose();
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal($"a\nS1{Clear}S2{Clear}b\nS2{Clear}", output.ToString());
    }

    [Fact]
    public void WriteLine_NotATerminal_WritesOnlyTheLines()
    {
        var clock = new ManualClock(Samples.Start);
        using var output = new StringWriter { NewLine = "\n" };
        var line = new StatusLine(output, clock, () => "status", enabled: false, width: 80);

        line.WriteLine("a");
        clock.Advance(TimeSpan.FromSeconds(3));
        line.WriteLine("b");
        line.Dispose();

        Assert.Equal("a\nb\n", output.ToString());
    }

    [Fact]
    public void Redraw_LongStatus_IsCutToTheTerminalWidth()
    {
        var clock = new ManualClock(Samples.Start);
        using var output = new StringWriter { NewLine = "\n" };
        using var line = new StatusLine(output, clock, () => new string('x', 50), enabled: true, width: 30);

        line.Redraw();

        Assert.Equal(new string('x', 29), output.ToString());
    }
}
