using System.Diagnostics;

namespace DevServer.Benchmarks.Load;

/// <summary>Whether completions count now. Workers read it; the driver flips it.</summary>
internal sealed class MeasurementWindow
{
    private volatile bool _measuring;
    private volatile bool _stopping;

    public bool Measuring => _measuring;

    public bool Stopping => _stopping;

    public void Open() => _measuring = true;

    public void Close() => _measuring = false;

    public void Stop() => _stopping = true;
}

/// <summary>
/// One of the concurrent loops. A loop runs one call at a time, so its counters need no synchronization; the driver
/// reads them only after every loop has finished.
/// </summary>
internal sealed class LoadWorker(MeasurementWindow window, bool recordLatency)
{
    private readonly List<long>? _latencies = recordLatency ? new List<long>(4096) : null;

    public long Completed { get; private set; }

    public long Errors { get; private set; }

    public string? FirstError { get; private set; }

    public IReadOnlyList<long> Latencies => _latencies ?? [];

    /// <summary>A call that started at <paramref name="startTimestamp"/> (Stopwatch ticks) has completed.</summary>
    public void CallCompleted(long startTimestamp)
    {
        if (window.Measuring)
        {
            Completed++;
            _latencies?.Add(Stopwatch.GetTimestamp() - startTimestamp);
        }
    }

    /// <summary>One streamed message has arrived.</summary>
    public void MessageReceived()
    {
        if (window.Measuring)
        {
            Completed++;
        }
    }

    public void Failed(Exception exception)
    {
        Errors++;
        FirstError ??= $"{exception.GetType().Name}: {exception.Message}";
    }
}

/// <summary>What one closed-loop run produced.</summary>
/// <param name="Completed">Calls (unary) or messages (streaming) completed inside the window.</param>
/// <param name="Window">How long the window really was.</param>
/// <param name="LatencyTicks">Sorted per-call latencies in Stopwatch ticks (unary only).</param>
/// <param name="Errors">Failed calls, warm-up included.</param>
/// <param name="FirstError">The first failure, to say what went wrong.</param>
internal sealed record LoadOutcome(long Completed, TimeSpan Window, long[] LatencyTicks, long Errors, string? FirstError)
{
    public double PerSecond => Completed / Window.TotalSeconds;

    public double? PercentileMilliseconds(double p) =>
        LatencyTicks.Length == 0
            ? null
            : LatencyTicks[Math.Min(LatencyTicks.Length - 1, (int)(p * LatencyTicks.Length))] * 1000.0 / Stopwatch.Frequency;
}

/// <summary>
/// The load shape shared with grpc-js's bench client: <c>concurrency</c> loops, each issuing its next call as soon as
/// the previous one completes (closed loop), a warm-up that is not counted, then a window in which completions count.
/// Calls still running when the window closes finish but do not count.
/// </summary>
internal static class ClosedLoop
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    public static async Task<LoadOutcome> RunAsync(
        LoadShape shape,
        bool recordLatency,
        Func<LoadWorker, CancellationToken, Task> call,
        CostMeter meter,
        CancellationToken cancellationToken)
    {
        var window = new MeasurementWindow();
        var workers = new LoadWorker[shape.Concurrency];
        var loops = new Task[shape.Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            var worker = workers[i] = new LoadWorker(window, recordLatency);
            loops[i] = Task.Run(() => LoopAsync(worker, window, call, cancellationToken), cancellationToken);
        }

        await Task.Delay(shape.Warmup, cancellationToken);
        await meter.WindowOpeningAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        window.Open();
        await Task.Delay(shape.Duration, cancellationToken);
        window.Close();
        var elapsed = Stopwatch.GetElapsedTime(started);
        await meter.WindowClosedAsync(cancellationToken);
        window.Stop();
        await Task.WhenAll(loops).WaitAsync(DrainTimeout, cancellationToken);

        var latencies = workers.SelectMany(w => w.Latencies).ToArray();
        Array.Sort(latencies);
        return new LoadOutcome(
            workers.Sum(w => w.Completed),
            elapsed,
            latencies,
            workers.Sum(w => w.Errors),
            workers.Select(w => w.FirstError).FirstOrDefault(e => e is not null));
    }

    private static async Task LoopAsync(LoadWorker worker, MeasurementWindow window, Func<LoadWorker, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        while (!window.Stopping && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await call(worker, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                worker.Failed(ex);
            }
        }
    }
}
