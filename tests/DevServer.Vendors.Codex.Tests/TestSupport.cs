using DevServer.Contracts.Work.V1;
using DevServer.Vendors.Core.Agents;
using DevServer.Vendors.Core.Tests.Agents;
using Microsoft.Extensions.Options;

namespace DevServer.Vendors.Codex.Tests;

/// <summary>The codex CLI as the tests build it, and its parser run over lines.</summary>
internal static class Codex
{
    public static readonly Dictionary<string, string> KeyEnvironment = new()
    {
        ["OPENAI_API_KEY"] = "sk-test",
        ["OPENAI_BASE_URL"] = "https://proxy.example/v1",
        ["CODEX_HOME"] = "/home/sidecar/.codex",
        ["ANTHROPIC_API_KEY"] = "not-ours",
        ["HOME"] = "/home/sidecar",
    };

    public const string ThreadStarted = """{"type":"thread.started","thread_id":"019c0000-0000-7000-8000-000000000001"}""";

    public static CodexCli Cli(CodexOptions? options = null, IReadOnlyDictionary<string, string>? environment = null) =>
        new(Options.Create(options ?? new CodexOptions()), new SidecarEnvironment(environment ?? KeyEnvironment), new FixedTimeProvider(FixedTimeProvider.Noon));

    /// <summary>The default CLI's parser over the lines (<see cref="AgentCliFixtures.Parse"/>).</summary>
    public static (List<string> Activities, AgentReport Report) Parse(
        IEnumerable<string> stdout, int? exitCode, AgentRunRequest? run = null, IEnumerable<string>? stderr = null) =>
        AgentCliFixtures.Parse(Cli().CreateParser(run ?? AgentCliFixtures.Run()), stdout, exitCode, stderr);
}
