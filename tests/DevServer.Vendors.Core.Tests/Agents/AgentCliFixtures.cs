using System.Globalization;
using DevServer.Contracts.Work.V1;
using DevServer.Testing;
using DevServer.Vendors.Core.Agents;

namespace DevServer.Vendors.Core.Tests.Agents;

/// <summary>
/// What the agent-CLI parser and command tests of every vendor share (linked as source into the vendor test
/// projects): the captured outputs in ../shared/fixtures/agent-cli (next to the repository; provenance in SOURCES.md
/// there), a run request, and a parser run described in short, comparable strings.
/// </summary>
internal static class AgentCliFixtures
{
    public static string Directory => Path.GetFullPath(Path.Combine(RepositoryLayout.Root, "..", "shared", "fixtures", "agent-cli"));

    /// <summary>The fixture's lines, blank ones left out (parsers pass over them anyway).</summary>
    public static string[] Lines(string name) => [.. File.ReadAllLines(Path.Combine(Directory, name)).Where(l => l.Length > 0)];

    public static AgentRunRequest Run(
        BillingMode billing = BillingMode.ApiKey, string? model = null, string? resume = null, int maxTurns = 0, string prompt = "Fix the bug", string? instructions = null) =>
        new("/work/tree", "/work/runs/7", prompt, model, resume, maxTurns, billing, [], instructions, RunsAsRoot: false);

    /// <summary>Feeds stderr then stdout lines to the parser; returns every activity described and the report for the exit code.</summary>
    public static (List<string> Activities, AgentReport Report) Parse(
        IAgentOutputParser parser, IEnumerable<string> stdout, int? exitCode, IEnumerable<string>? stderr = null)
    {
        var activities = new List<string>();
        foreach (var line in stderr ?? [])
        {
            activities.AddRange(parser.ReadErrorLine(line).Select(Describe));
        }

        foreach (var line in stdout)
        {
            activities.AddRange(parser.ReadOutputLine(line).Select(Describe));
        }

        return (activities, parser.Finish(exitCode));
    }

    public static string Describe(AgentActivity activity) => activity.KindCase switch
    {
        AgentActivity.KindOneofCase.SessionStarted => $"session {activity.SessionStarted.SessionId} model={activity.SessionStarted.Model} resumed={activity.SessionStarted.Resumed}",
        AgentActivity.KindOneofCase.Text => $"{(activity.Text.Reasoning ? "reasoning" : "text")}: {activity.Text.Text}",
        AgentActivity.KindOneofCase.ToolCall => $"call {activity.ToolCall.CallId} {activity.ToolCall.Name}: {activity.ToolCall.Summary}",
        AgentActivity.KindOneofCase.ToolResult => $"result {activity.ToolResult.CallId} {(activity.ToolResult.Ok ? "ok" : "failed")}: {activity.ToolResult.Summary}",
        AgentActivity.KindOneofCase.Usage => $"usage in={activity.Usage.InputTokens} cached={activity.Usage.CacheReadTokens} out={activity.Usage.OutputTokens}",
        AgentActivity.KindOneofCase.RateLimit => $"rate-limit {activity.RateLimit.State} resets={Time(activity.RateLimit.ResetsAt)}: {activity.RateLimit.Message}",
        AgentActivity.KindOneofCase.VendorRetry => $"retry {activity.VendorRetry.Attempt}/{activity.VendorRetry.MaxAttempts} delay={activity.VendorRetry.Delay?.ToTimeSpan().TotalMilliseconds.ToString(CultureInfo.InvariantCulture) ?? "-"}: {activity.VendorRetry.Reason}",
        AgentActivity.KindOneofCase.Notice => $"{(activity.Notice.Error ? "error" : "warning")}: {activity.Notice.Message}",
        AgentActivity.KindOneofCase.Unknown => $"unknown {activity.Unknown.Type}: {activity.Unknown.Json}",
        _ => activity.ToString(),
    };

    public static string Time(Google.Protobuf.WellKnownTypes.Timestamp? timestamp) =>
        timestamp is null ? "-" : timestamp.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
