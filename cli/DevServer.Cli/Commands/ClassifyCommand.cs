using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using DevServer.Failures;

namespace DevServer.Cli.Commands;

/// <summary>
/// <c>devserver classify [FILE|-]</c>: the failure class of a failed attempt's output (agent output or a verifier
/// stage's output), as the orchestrator sees it. Works offline: it never connects to an orchestrator.
/// </summary>
internal static class ClassifyCommand
{
    private const int LabelWidth = 10;

    // Hints quote code (`tax`, 'x', <T>) and dashes: keep them readable; the output is not embedded in HTML.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Build(CliApp app)
    {
        var file = new Argument<string?>("file")
        {
            Description = "The output to classify; '-' or nothing reads standard input",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var list = Options.Flag("--list", "Print the catalogue of failure classes (key, severity, what it matches) instead");
        var command = new Command("classify", "Classify the output of a failed attempt: class key, severity, hint and evidence lines.") { file, list };
        app.Handle(command, async (context, cancellationToken) =>
        {
            var output = context.Output;
            if (context.Get(list))
            {
                output.Out.Write(output.Json ? CatalogueJson() : CatalogueText());
                return ExitCodes.Success;
            }

            var text = await ReadAsync(context.Parse.GetValue(file) ?? "-", context.Host, cancellationToken);
            var result = FailureClassifier.Classify(text);
            output.Out.Write(output.Json ? Json(result) + "\n" : Text(result));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The lowercase word for a severity, as in the JSON output and the docs.</summary>
    public static string Word(FailureSeverity severity) => severity == FailureSeverity.Hard ? "hard" : "recoverable";

    /// <summary>Key, severity, hint and evidence, one labelled block; evidence lines are indented under their label.</summary>
    public static string Text(FailureClassification result)
    {
        var text = new StringBuilder();
        Line(text, "key", result.Key);
        if (!result.IsFailure)
        {
            Line(text, "hint", "no known failure in the output");
            return text.ToString();
        }

        Line(text, "severity", Word(result.Severity));
        Line(text, "hint", result.Hint);
        for (var i = 0; i < result.Evidence.Count; i++)
        {
            Line(text, i == 0 ? "evidence" : "", result.Evidence[i]);
        }

        return text.ToString();
    }

    /// <summary><c>{"key","severity","hint","evidence":[…]}</c> on one line.</summary>
    public static string Json(FailureClassification result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("key", result.Key);
            json.WriteString("severity", Word(result.Severity));
            json.WriteString("hint", result.Hint);
            json.WriteStartArray("evidence");
            foreach (var line in result.Evidence)
            {
                json.WriteStringValue(line);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string CatalogueText()
    {
        var text = new StringBuilder();
        var width = FailureClassifier.Classes.Max(c => c.Key.Length) + 2;
        foreach (var failure in FailureClassifier.Classes)
        {
            text.Append(failure.Key.PadRight(width)).Append(Word(failure.Severity).PadRight(13)).Append(failure.Description).Append('\n');
        }

        return text.ToString();
    }

    private static string CatalogueJson()
    {
        var text = new StringBuilder();
        foreach (var failure in FailureClassifier.Classes)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, JsonOptions))
            {
                json.WriteStartObject();
                json.WriteString("key", failure.Key);
                json.WriteString("severity", Word(failure.Severity));
                json.WriteString("description", failure.Description);
                json.WriteEndObject();
            }

            text.Append(Encoding.UTF8.GetString(buffer.ToArray())).Append('\n');
        }

        return text.ToString();
    }

    private static void Line(StringBuilder text, string label, string value) =>
        text.Append(label.PadRight(LabelWidth)).Append(value).Append('\n');

    private static async Task<string> ReadAsync(string path, CliHost host, CancellationToken cancellationToken)
    {
        try
        {
            if (path == "-")
            {
                using var stdin = new StreamReader(host.OpenStandardInput());
                return await stdin.ReadToEndAsync(cancellationToken);
            }

            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException(ExitCodes.NotFound, $"cannot read {path}: no such file", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Failure, $"cannot read {path}: {ex.Message}", ex);
        }
    }
}
