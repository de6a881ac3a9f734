using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DevServer.Processes;

namespace DevServer.RepoInsight.Benchmarks;

/// <summary>One language's recall of ctags' definitions.</summary>
internal sealed record LanguageRecall(string Language, int CtagsDefinitions, int Found, int OurSymbols)
{
    public double Recall => CtagsDefinitions == 0 ? 1 : (double)Found / CtagsDefinitions;
}

/// <summary>Wall time and CPU time (user + system) of one tool on one corpus.</summary>
internal readonly record struct Timing(TimeSpan Wall, TimeSpan Cpu);

internal sealed record CorpusResult(Corpus Corpus, int Files, Timing Ours, Timing Ctags, IReadOnlyList<LanguageRecall> Recall);

/// <summary>
/// Times the map's index and ctags on the same tree (no ignore files, no vendored skipping, no size limit, symbolic
/// links not followed by either), then counts how many of ctags' definitions the map found.
/// </summary>
internal static class MapBenchmark
{
    private static readonly RepoMapOptions Everything = new() { RespectGitIgnore = false, SkipVendored = false, MaxFileBytes = long.MaxValue };

    public static async Task<CorpusResult> RunAsync(Corpus corpus, string work, int runs, int showMisses, CancellationToken cancellationToken)
    {
        var tags = Path.Combine(work, corpus.Name + ".ctags.json");
        await Console.Error.WriteLineAsync($"{corpus.Name}: warming up (both tools once) on {corpus.Root}…");
        var index = await RepoMap.IndexAsync(corpus.Root, Everything, cancellationToken);
        await RunCtagsAsync(corpus, tags, cancellationToken);

        var ours = new List<Timing>();
        var ctags = new List<Timing>();
        using var self = Process.GetCurrentProcess();
        for (var run = 1; run <= runs; run++)
        {
            self.Refresh();
            var cpu = self.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            index = await RepoMap.IndexAsync(corpus.Root, Everything, cancellationToken);
            var wall = watch.Elapsed;
            self.Refresh();
            ours.Add(new Timing(wall, self.TotalProcessorTime - cpu));
            ctags.Add(await RunCtagsAsync(corpus, tags, cancellationToken));
            await Console.Error.WriteLineAsync($"{corpus.Name}: run {run}: map {Seconds(ours[^1].Wall)} (cpu {Seconds(ours[^1].Cpu)}), ctags {Seconds(ctags[^1].Wall)} (cpu {Seconds(ctags[^1].Cpu)})");
        }

        if (showMisses > 0)
        {
            // For looking into misses: every symbol the map found, one "path<TAB>kind<TAB>name<TAB>line" per line.
            await File.WriteAllLinesAsync(
                Path.Combine(work, corpus.Name + ".map.tsv"),
                index.Files.SelectMany(f => f.Symbols.Select(s => $"{Path.Combine(corpus.Root, f.Path)}\t{s.Kind}\t{s.Name}\t{s.Line}")),
                cancellationToken);
        }

        var recall = await RecallAsync(corpus, tags, index, showMisses, cancellationToken);
        return new CorpusResult(corpus, index.Files.Count, Median(ours), Median(ctags), recall);
    }

    public static string Format(IReadOnlyList<CorpusResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| corpus | files indexed (map) | map wall | ctags wall | map / ctags (wall) | map cpu | ctags cpu | map / ctags (cpu) |");
        text.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var result in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {result.Corpus.Name} ({result.Corpus.Root}) | {result.Files:N0} | {Seconds(result.Ours.Wall)} | {Seconds(result.Ctags.Wall)} | {result.Ours.Wall / result.Ctags.Wall:0.00} | {Seconds(result.Ours.Cpu)} | {Seconds(result.Ctags.Cpu)} | {result.Ours.Cpu / result.Ctags.Cpu:0.00} |");
        }

        text.AppendLine();
        text.AppendLine("| corpus | language (ctags) | ctags definitions | found by the map | recall | map symbols in those files |");
        text.AppendLine("|---|---|--:|--:|--:|--:|");
        foreach (var result in results)
        {
            foreach (var language in result.Recall)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {result.Corpus.Name} | {language.Language} | {language.CtagsDefinitions:N0} | {language.Found:N0} | {language.Recall:P1} | {language.OurSymbols:N0} |");
            }
        }

        return text.ToString();
    }

    private static async Task<Timing> RunCtagsAsync(Corpus corpus, string output, CancellationToken cancellationToken)
    {
        // ctags refuses to overwrite a file that does not look like its own output.
        File.Delete(output);
        var lines = new List<string>();
        // bash's time builtin gives ctags' CPU time (user + system) beside its wall time. ctags gets the map's
        // extension table (ctags 5.9 lacks .tsx/.mts/.cts/.cjs/.pyi), so both index the same files.
        var exit = await ProcessRunner.RunAsync(
            new ProcessSpec("bash",
            [
                "-c", "TIMEFORMAT='%R %U %S'; time ctags \"$@\"", "ctags",
                "-R", "--links=no", "--quiet=yes", "--output-format=json", "--fields=+nKl", "--sort=no",
                "--languages=" + string.Join(',', corpus.CtagsLanguages),
                "--map-JavaScript=+.cjs", "--map-TypeScript=+.tsx", "--map-TypeScript=+.mts", "--map-TypeScript=+.cts",
                "--map-Python=+.pyi", "-f", output, corpus.Root,
            ]),
            line =>
            {
                if (line.IsStandardError)
                {
                    lines.Add(line.Text);
                }
            },
            cancellationToken);
        var times = lines.Count > 0 ? lines[^1].Split(' ') : [];
        if (exit.ExitCode != 0 || times.Length != 3)
        {
            throw new InvalidOperationException($"ctags failed (exit code {exit.ExitCode}): {string.Join('\n', lines)}");
        }

        double Value(int i) => double.Parse(times[i], CultureInfo.InvariantCulture);
        return new Timing(TimeSpan.FromSeconds(Value(0)), TimeSpan.FromSeconds(Value(1) + Value(2)));
    }

    private static async Task<IReadOnlyList<LanguageRecall>> RecallAsync(Corpus corpus, string tags, RepositoryIndex index, int showMisses, CancellationToken cancellationToken)
    {
        var ours = index.Files.ToDictionary(f => Path.GetFullPath(Path.Combine(corpus.Root, f.Path)), f => f.Symbols, StringComparer.Ordinal);
        var counts = new Dictionary<string, (int Definitions, int Found, HashSet<string> Files)>(StringComparer.Ordinal);
        var missed = new List<string>();
        var exclusions = new Dictionary<string, int>(StringComparer.Ordinal);
        using var reader = new StreamReader(tags);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            using var json = JsonDocument.Parse(line);
            var tag = json.RootElement;
            if (tag.GetProperty("_type").GetString() != "tag" || tag.GetProperty("language").GetString() is not { } language)
            {
                continue;
            }

            var name = tag.GetProperty("name").GetString()!;
            var (counted, excluded) = KindMapping.Classify(
                language, tag.GetProperty("kind").GetString() ?? "", name, tag.TryGetProperty("pattern", out var p) ? p.GetString() ?? "" : "");
            if (excluded is not null)
            {
                exclusions[$"{language}: {excluded}"] = exclusions.GetValueOrDefault($"{language}: {excluded}") + 1;
            }

            if (!counted)
            {
                continue;
            }

            var path = Path.GetFullPath(tag.GetProperty("path").GetString()!);
            var lineNumber = tag.TryGetProperty("line", out var l) ? l.GetInt32() : 0;
            var found = ours.TryGetValue(path, out var symbols) && symbols.Any(s => s.Name == name && Math.Abs(s.Line - lineNumber) <= 1);
            if (!counts.TryGetValue(language, out var entry))
            {
                entry = (0, 0, new HashSet<string>(StringComparer.Ordinal));
            }

            entry.Files.Add(path);
            counts[language] = (entry.Definitions + 1, entry.Found + (found ? 1 : 0), entry.Files);
            if (!found && missed.Count < showMisses && Random.Shared.Next(20) == 0)
            {
                missed.Add($"  missed {language} {tag.GetProperty("kind").GetString()} {name} at {path}:{lineNumber}");
            }
        }

        foreach (var miss in missed)
        {
            await Console.Error.WriteLineAsync(miss);
        }

        foreach (var (reason, count) in exclusions.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"{corpus.Name}: not counted: {count:N0} ctags tags ({reason})");
        }

        return [.. counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new LanguageRecall(
            c.Key, c.Value.Definitions, c.Value.Found, c.Value.Files.Sum(f => ours.TryGetValue(f, out var s) ? s.Count : 0)))];
    }

    private static Timing Median(List<Timing> values) =>
        new(values.Select(v => v.Wall).Order().ElementAt(values.Count / 2), values.Select(v => v.Cpu).Order().ElementAt(values.Count / 2));

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.00 s", CultureInfo.InvariantCulture);
}
