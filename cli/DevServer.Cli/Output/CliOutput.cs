using Google.Protobuf;

namespace DevServer.Cli.Output;

/// <summary>
/// Where a command writes: results to stdout (human text, or with <c>--json</c> one JSON object per line),
/// progress notes to stdout for people and to stderr under <c>--json</c> (so stdout stays machine-readable).
/// </summary>
internal sealed class CliOutput(CliHost host, bool json, bool raw = false)
{
    // Default values are written too: a consumer sees every field of a message, whatever its value.
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public bool Json { get; } = json;

    /// <summary>
    /// Whether event listings show an agent CLI's raw JSON lines. Without <c>--raw</c> they are left out of the human
    /// text: the same content arrives parsed, as typed steps (the JSON output keeps everything).
    /// </summary>
    public bool Raw { get; } = raw;

    /// <summary>Whether a human listing shows <paramref name="taskEvent"/>.</summary>
    public bool Shows(Contracts.Events.V1.TaskEvent taskEvent) =>
        Json || Raw || !EventFormatting.IsRawVendorLine(taskEvent);

    public TextWriter Out => host.Out;

    public TextWriter Error => host.Error;

    public bool IsTerminal => host.OutputIsTerminal && !Json;

    /// <summary>Times are shown in the clock's local time zone.</summary>
    public TimeZoneInfo TimeZone => host.TimeProvider.LocalTimeZone;

    public TimeProvider Clock => host.TimeProvider;

    /// <summary>One message as one line of JSON (protobuf's JSON mapping).</summary>
    public static string FormatJson(IMessage message) => Formatter.Format(message);

    public void WriteJson(IMessage message) => Out.WriteLine(FormatJson(message));

    /// <summary>Writes <paramref name="message"/> as JSON under <c>--json</c>, otherwise the human text.</summary>
    public void Write(IMessage message, Func<string> human)
    {
        if (Json)
        {
            WriteJson(message);
        }
        else
        {
            Out.Write(human());
        }
    }

    /// <summary>A progress or confirmation line meant for people.</summary>
    public void Note(string line) => (Json ? Error : Out).WriteLine(line);

    /// <summary>A warning for people, always on stderr.</summary>
    public void Warn(string line) => Error.WriteLine("devserver: " + line);
}
