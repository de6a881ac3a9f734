using System.Text;

namespace DevServer.Cli.Tests.Infrastructure;

/// <summary>A text writer that several threads may write while a test reads it and waits for a piece of text.</summary>
internal sealed class CaptureWriter : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly Lock _gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    public CaptureWriter()
    {
        NewLine = "\n";
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            _text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            _text.Append(value);
        }
    }

    public override void WriteLine(string? value) => Write(value + "\n");

    public override string ToString()
    {
        lock (_gate)
        {
            return _text.ToString();
        }
    }

    /// <summary>Waits until the text contains <paramref name="expected"/>; throws with the text so far after <paramref name="timeout"/>.</summary>
    public async Task WaitForAsync(string expected, TimeSpan timeout, Task? stopWaitingWhenDone = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        while (!ToString().Contains(expected, StringComparison.Ordinal))
        {
            if (stopWaitingWhenDone is { IsCompleted: true })
            {
                throw new InvalidOperationException($"Ended before printing '{expected}':\n{this}");
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"'{expected}' did not appear within {timeout}:\n{this}");
            }
        }
    }
}
