// The repository map against universal-ctags on large real trees (docs/repo-map.md has the figures).
// Usage: dotnet run -c Release --project tests/Benchmarks/DevServer.RepoInsight.Benchmarks -- [--corpus=npm,python,c,java]
//          [--runs=3] [--work=/tmp/devserver-repomap-bench] [--misses=0]
// The npm corpus is made once in the work folder (npm install of a fixed package set, ~85 000 JS/TS files); the
// others are read where Debian puts them (/usr/lib/python3.11, /usr/include) or unpacked once (the JDK's src.zip).
// Prints a Markdown table on stdout, progress on stderr.
using System.Globalization;
using DevServer.RepoInsight.Benchmarks;

var settings = args.Select(a => a.TrimStart('-').Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
string Setting(string name, string fallback) => settings.TryGetValue(name, out var value) ? value : fallback;

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};

var work = Setting("work", "/tmp/devserver-repomap-bench");
var runs = int.Parse(Setting("runs", "3"), CultureInfo.InvariantCulture);
var misses = int.Parse(Setting("misses", "0"), CultureInfo.InvariantCulture);
var report = new List<CorpusResult>();
foreach (var name in Setting("corpus", "npm,python,c,java").Split(',', StringSplitOptions.RemoveEmptyEntries))
{
    var corpus = await Corpora.PrepareAsync(name, work, interrupted.Token);
    if (corpus is null)
    {
        await Console.Error.WriteLineAsync($"corpus {name}: not available on this machine, skipped");
        continue;
    }

    report.Add(await MapBenchmark.RunAsync(corpus, work, runs, misses, interrupted.Token));
    await Console.Error.WriteLineAsync(MapBenchmark.Format(report[^1..]));
}

Console.WriteLine(MapBenchmark.Format(report));
return 0;
