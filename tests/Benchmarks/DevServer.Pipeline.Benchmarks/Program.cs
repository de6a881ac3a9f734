// The pipeline benchmark: the real orchestrator (embedded PostgreSQL), script sidecars and verifiers as processes.
// Usage: dotnet run -c Release --project tests/Benchmarks/DevServer.Pipeline.Benchmarks -- [--dispatches=100]
//          [--watchers=100] [--events=300] [--event-interval-ms=10] [--tasks=200] [--sidecars=4] [--verifiers=2]
// Prints a Markdown table on stdout (progress on stderr). docs/benchmarks.md has the figures and how they are taken.
using System.Globalization;
using DevServer.Pipeline.Benchmarks;

var settings = args.Select(a => a.TrimStart('-').Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
int Setting(string name, int fallback) =>
    settings.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};

var report = await PipelineBenchmark.RunAsync(
    new BenchmarkSettings(
        Setting("dispatches", 100), Setting("watchers", 100), Setting("events", 300), Setting("event-interval-ms", 10),
        Setting("tasks", 200), Setting("sidecars", 4), Setting("verifiers", 2)),
    interrupted.Token);
Console.WriteLine(report);
return 0;
