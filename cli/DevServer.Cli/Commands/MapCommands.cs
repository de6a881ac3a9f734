using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using DevServer.RepoInsight;

namespace DevServer.Cli.Commands;

/// <summary>
/// <c>devserver map [PATH]</c> (the repository map an agent's first prompt gets) and <c>devserver detect [PATH]</c>
/// (the verification commands the verifier would run and why). Both work offline on a local folder.
/// </summary>
internal static class MapCommands
{
    // Paths and commands quote freely; the output is not embedded in HTML.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] StageNames = ["pre", "build", "test", "lint"];

    public static Command BuildMap(CliApp app)
    {
        var path = PathArgument();
        var budget = Options.Range("--budget", 100, 10_000_000, new RepoMapOptions().Budget, "The text map's size in characters (whole entries only)", "chars");
        var command = new Command("map", "Print the repository map: files ranked by what they define, with their symbols (--json: every file and symbol).") { path, budget };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var root = Folder(context.Parse.GetValue(path));
            var options = new RepoMapOptions { Budget = context.Get(budget) };
            if (context.Output.Json)
            {
                var index = await RepoMap.IndexAsync(root, options, cancellationToken);
                foreach (var file in index.Files)
                {
                    context.Output.Out.WriteLine(Json(file));
                }

                return ExitCodes.Success;
            }

            var map = await RepoMap.BuildAsync(root, options, cancellationToken);
            context.Output.Out.Write(map.Text);
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command BuildDetect(CliApp app)
    {
        var path = PathArgument();
        var stages = StageNames
            .Select(name => Options.Text("--" + name, $"The {name} command from the repository's settings (overrides detection; \"\" skips the stage)", "command"))
            .ToArray();
        var command = new Command("detect", "Print the verification commands (pre, build, test, lint) that would run, and why.") { path };
        foreach (var stage in stages)
        {
            command.Add(stage);
        }

        app.Handle(command, (context, cancellationToken) =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var root = Folder(context.Parse.GetValue(path));
            string? Setting(int i) => context.Has(stages[i]) ? context.Get(stages[i]) ?? "" : null;
            var detected = VerificationDetector.Detect(root, new StageOverrides(Setting(0), Setting(1), Setting(2), Setting(3)));
            context.Output.Out.Write(context.Output.Json ? Json(detected) : Text(detected));
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>One line per stage: <c>test   npm test   (package.json script "test")</c>; a skipped stage shows "-".</summary>
    public static string Text(DetectedStages stages)
    {
        var width = stages.All.Max(s => (s.Command ?? "-").Length);
        var text = new StringBuilder();
        foreach (var stage in stages.All)
        {
            var origin = stage.Origin switch
            {
                StageOrigin.Settings => "settings",
                StageOrigin.Detected => "detected",
                _ => "skipped",
            };
            text.Append(CultureInfo.InvariantCulture, $"{Word(stage.Stage),-6} {(stage.Command ?? "-").PadRight(width)}  ({origin}: {stage.Reason})\n");
        }

        return text.ToString();
    }

    /// <summary>One JSON object per stage: stage, command (null when skipped), origin, reason.</summary>
    public static string Json(DetectedStages stages)
    {
        var text = new StringBuilder();
        foreach (var stage in stages.All)
        {
            text.Append(Write(json =>
            {
                json.WriteString("stage", Word(stage.Stage));
                json.WriteString("command", stage.Command);
                json.WriteString("origin", stage.Origin.ToString().ToLowerInvariant());
                json.WriteString("reason", stage.Reason);
            })).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>A file's entry: path, language, score and symbols (kind, name, line).</summary>
    public static string Json(FileSymbols file) => Write(json =>
    {
        json.WriteString("path", file.Path);
        json.WriteString("language", file.Language);
        json.WriteNumber("score", file.Score);
        json.WriteStartArray("symbols");
        foreach (var symbol in file.Symbols)
        {
            json.WriteStartObject();
            json.WriteString("kind", symbol.Kind.ToString().ToLowerInvariant());
            json.WriteString("name", symbol.Name);
            json.WriteNumber("line", symbol.Line);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    });

    private static string Word(VerificationStage stage) => stage.ToString().ToLowerInvariant();

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Argument<string?> PathArgument() => new("path")
    {
        Description = "The repository's folder [default: the current folder]",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static string Folder(string? path)
    {
        var full = Path.GetFullPath(string.IsNullOrEmpty(path) ? "." : path);
        return Directory.Exists(full) ? full : throw new CliException(ExitCodes.NotFound, $"no folder at {full}");
    }
}
