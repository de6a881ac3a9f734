namespace DevServer.Cli.Watching;

/// <summary>
/// Event lines with a live status line under them on a terminal: the status line is cleared before each event line,
/// drawn again after it, and refreshed every second (its clock runs). Without a terminal it only writes the lines.
/// </summary>
internal sealed class StatusLine : IDisposable
{
    private const string ClearLine = "\r\u001b[2K";

    private readonly TextWriter _output;
    private readonly Func<string> _render;
    private readonly int _width;
    private readonly ITimer? _timer;
    private readonly Lock _gate = new();
    private bool _shown;
    private bool _disposed;

    /// <param name="output">Where lines go.</param>
    /// <param name="clock">Drives the refresh.</param>
    /// <param name="render">The status text, rendered at each redraw.</param>
    /// <param name="enabled">False writes plain lines only (stdout is not a terminal, or --json).</param>
    /// <param name="width">The terminal's width; the status line is cut to fit, since a wrapped line cannot be cleared.</param>
    public StatusLine(TextWriter output, TimeProvider clock, Func<string> render, bool enabled, int width)
    {
        _output = output;
        _render = render;
        _width = Math.Max(width, 20);
        if (enabled)
        {
            _timer = clock.CreateTimer(_ => Redraw(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }
    }

    public void WriteLine(string line)
    {
        lock (_gate)
        {
            Clear();
            _output.WriteLine(line);
            Draw();
        }
    }

    public void Redraw()
    {
        lock (_gate)
        {
            Clear();
            Draw();
        }
    }

    /// <summary>Removes the status line for good (before a final summary).</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        lock (_gate)
        {
            Clear();
            _disposed = true;
            _output.Flush();
        }
    }

    private void Clear()
    {
        if (_shown)
        {
            _output.Write(ClearLine);
            _shown = false;
        }
    }

    private void Draw()
    {
        if (_timer is null || _disposed)
        {
            return;
        }

        var text = _render();
        _output.Write(text.Length >= _width ? text[..(_width - 1)] : text);
        _output.Flush();
        _shown = true;
    }
}
