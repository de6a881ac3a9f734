using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Tests.Agents;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Gemini.Tests;

/// <summary>The gemini CLI as the tests build it, its parser run over lines, and Gemini's own fixture formats.</summary>
internal static class Gemini
{
    public static readonly Dictionary<string, string> KeyEnvironment = new()
    {
        ["GEMINI_API_KEY"] = "gm-key",
        ["GOOGLE_API_KEY"] = "g-key",
        ["GOOGLE_CLOUD_PROJECT"] = "proj",
        ["GOOGLE_APPLICATION_CREDENTIALS"] = "/secrets/adc.json",
        ["ANTHROPIC_API_KEY"] = "not-ours",
        ["HOME"] = "/home/sidecar",
    };

    public static GeminiCli Cli(GeminiOptions? options = null, IReadOnlyDictionary<string, string>? environment = null) =>
        new(Options.Create(options ?? new GeminiOptions()), new SidecarEnvironment(environment ?? KeyEnvironment), new FixedTimeProvider(FixedTimeProvider.Noon));

    /// <summary>The default CLI's parser over the lines (<see cref="AgentCliFixtures.Parse"/>).</summary>
    public static (List<string> Activities, AgentReport Report) Parse(
        IEnumerable<string> stdout, int? exitCode, AgentRunRequest? run = null, IEnumerable<string>? stderr = null) =>
        AgentCliFixtures.Parse(Cli().CreateParser(run ?? AgentCliFixtures.Run()), stdout, exitCode, stderr);

    /// <summary>One stream of the vitest snapshot file, with its placeholders replaced as the spec says (§5.7).</summary>
    public static string[] Snapshot(string title)
    {
        var lines = new List<string>();
        var inside = false;
        foreach (var line in AgentCliFixtures.Lines("gemini-stream-formatter-snapshots.txt"))
        {
            if (line.StartsWith("exports[", StringComparison.Ordinal))
            {
                inside = line.Contains(title, StringComparison.Ordinal);
                continue;
            }

            var json = line.TrimStart('"');
            if (inside && json.StartsWith('{'))
            {
                lines.Add(json.Replace("<TIMESTAMP>", "2026-01-10T12:00:00.000Z", StringComparison.Ordinal)
                    .Replace("<DURATION>", "1234", StringComparison.Ordinal));
            }
        }

        return [.. lines];
    }
}
