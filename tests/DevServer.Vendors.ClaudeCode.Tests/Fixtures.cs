using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Tests.Agents;

namespace DevServer.Vendors.ClaudeCode.Tests;

/// <summary>Claude Code's parsers as the tests build them, over the captured outputs of <see cref="AgentCliFixtures"/>.</summary>
internal static class Fixtures
{
    /// <summary>Feeds lines to a parser; returns every activity and the report for the exit code.</summary>
    public static (List<AgentActivity> Activities, AgentReport Report) Parse(IAgentOutputParser parser, IEnumerable<string> lines, int? exitCode)
    {
        var activities = new List<AgentActivity>();
        foreach (var line in lines)
        {
            activities.AddRange(parser.ReadOutputLine(line));
        }

        return (activities, parser.Finish(exitCode));
    }

    public static IAgentOutputParser ClaudeParser(BillingMode billing = BillingMode.ApiKey, string? resume = null) =>
        new ClaudeCodeCli(new ClaudeCodeProfile { Vendor = "claude" }, SidecarEnvironment.Empty).CreateParser(Run(billing, resume));

    public static IAgentOutputParser GlmParser(BillingMode billing = BillingMode.ApiKey) =>
        new ClaudeCodeCli(new ClaudeCodeProfile { Vendor = "glm", Glm = new GlmEndpoint() }, SidecarEnvironment.Empty).CreateParser(Run(billing, null));

    public static AgentRunRequest Run(BillingMode billing = BillingMode.ApiKey, string? resume = null) => new(
        "/work/tree", "/work/run", "Do it.", null, resume, 0, billing, [], null, RunsAsRoot: false);
}
