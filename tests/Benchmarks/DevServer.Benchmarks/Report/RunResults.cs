using DevServer.Benchmarks.Load;

namespace DevServer.Benchmarks.Report;

/// <summary>Every measurement of the run, by mode and contender, in round order.</summary>
internal sealed class RunResults(IReadOnlyList<Contender> contenders)
{
    private readonly Dictionary<(LoadMode, Contender), List<Measurement>> _measurements = [];

    public IReadOnlyList<Contender> Contenders { get; } = contenders;

    public bool HasErrors => _measurements.Values.Any(list => list.Any(m => m.Errors > 0));

    public void Add(LoadMode mode, Contender contender, Measurement measurement)
    {
        if (!_measurements.TryGetValue((mode, contender), out var list))
        {
            _measurements[(mode, contender)] = list = [];
        }

        list.Add(measurement);
    }

    public IReadOnlyList<Measurement> Of(LoadMode mode, Contender contender) =>
        _measurements.TryGetValue((mode, contender), out var list) ? list : [];

    /// <summary>The median of one figure over the rounds; null when no round has it.</summary>
    public double? Median(LoadMode mode, Contender contender, Func<Measurement, double?> figure) =>
        Median(Of(mode, contender).Select(figure).OfType<double>().ToArray());

    public static double? Median(double[] values)
    {
        if (values.Length == 0)
        {
            return null;
        }

        Array.Sort(values);
        var middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
