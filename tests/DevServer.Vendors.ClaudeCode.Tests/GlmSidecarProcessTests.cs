using System.Text.Json;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Testing;
using DevServer.Vendors.Core.Tests.Mesh.OrchestratorDouble;
using Google.Protobuf.WellKnownTypes;

namespace DevServer.Vendors.ClaudeCode.Tests;

/// <summary>
/// The built glm sidecar (`dotnet DevServer.Vendors.Glm.dll`) as a real process against the orchestrator double, with
/// the fake `claude` as its CLI: its Hello, the environment the CLI gets, typed events and a patch series.
/// </summary>
public sealed class GlmSidecarProcessTests : IDisposable
{
    /// <summary>Start-up of a .NET host on a busy 2-core machine; a hang fails the test after this.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root = Directory.CreateTempSubdirectory("devserver-glm-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact(Timeout = 120_000)]
    public async Task Sidecar_RunsAnAssignment_HelloDescribesItAndTheCliGetsOnlyTheGlmEnvironment()
    {
        var ct = TestContext.Current.CancellationToken;
        var origin = await CreateOriginAsync(ct);
        var workspace = Path.Combine(_root, "workspace");
        var mesh = new MeshDouble();
        await using var server = await MeshDoubleServer.StartAsync(mesh);
        await using var sidecar = ChildProcess.Start(
            BuiltPrograms.Dotnet,
            [
                Path.Combine(AppContext.BaseDirectory, "DevServer.Vendors.Glm.dll"),
                $"--Worker:OrchestratorAddress={server.Address}",
                $"--Worker:Token={mesh.Token}",
                "--Worker:Name=e2e-glm",
                "--Worker:Account=zai-team",
                $"--Worker:WorkspaceRoot={workspace}",
                $"--Glm:CliPath={Path.Combine(RepositoryLayout.Root, "tests", "FakeAgentClis", "claude")}",
            ],
            _root,
            new Dictionary<string, string>
            {
                ["DEVSERVER_DATA"] = Path.Combine(_root, "data"),
                ["GLM_API_KEY"] = "zhipu-test-key",
                ["ANTHROPIC_API_KEY"] = "sk-ant-must-not-reach-zhipu",
            });

        await mesh.WaitUntilAsync(m => m.Connection == 1, "the sidecar's Hello\n" + sidecar.StandardOutput + sidecar.StandardError, StartTimeout);
        var hello = mesh.Hellos[0];
        Assert.Equal(("glm", true, true, "zai-team"), (hello.Vendor, hello.ResumesSessions, hello.ReportsCost, hello.Account));
        Assert.Equal(["glm-4.6", "glm-4.7", "glm-4.5-air"], hello.Models);

        mesh.Assign(new Assignment
        {
            AssignmentId = "glm-1",
            TaskId = 7,
            Attempt = 1,
            Agent = new AgentWork
            {
                Repository = new RepositorySource { Name = "demo", Location = origin },
                BaseBranch = "main",
                Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(60)),
                BillingMode = BillingMode.ApiKey,
                Task = new TaskBrief { TaskId = 7, Title = "Write notes", Description = "[fake:success]" },
            },
        });
        await mesh.WaitUntilAsync(m => m.ResultsOf("glm-1").Count == 1, "the result\n" + sidecar.StandardOutput + sidecar.StandardError, StartTimeout);

        var result = mesh.ResultsOf("glm-1")[0].Result.Agent;
        Assert.Equal((AgentOutcome.Succeeded, 1), (result.Outcome, result.CommitCount));
        Assert.Equal(0, result.CostUsd); // The capture's model is an Anthropic one: GLM's table has no price for it.
        var events = mesh.EventsOf("glm-1").Select(e => e.Event).ToList();
        Assert.Contains(events, e => e.AgentActivity?.SessionStarted is not null);
        Assert.Contains(events, e => e.AgentActivity?.Report is { Success: true });

        var invocation = events.Select(e => e.OutputLine?.Text).First(t => t?.StartsWith("{\"type\":\"fake_invocation\"", StringComparison.Ordinal) == true)!;
        using var document = JsonDocument.Parse(invocation);
        var environment = document.RootElement.GetProperty("env");
        Assert.False(environment.TryGetProperty("ANTHROPIC_API_KEY", out _));
        Assert.False(environment.TryGetProperty("GLM_API_KEY", out _));
        Assert.Equal("zhipu-test-key", environment.GetProperty("ANTHROPIC_AUTH_TOKEN").GetString());
        Assert.Equal("https://api.z.ai/api/anthropic", environment.GetProperty("ANTHROPIC_BASE_URL").GetString());
        Assert.Equal(Path.Combine(workspace, "runs", "task-7", "claude-config"), environment.GetProperty("CLAUDE_CONFIG_DIR").GetString());
        Assert.Contains("glm-4.6", document.RootElement.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));

        var exit = await sidecar.TerminateAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal(0, exit.ExitCode);
    }

    // An origin repository: branch main with one commit.
    private async Task<string> CreateOriginAsync(CancellationToken cancellationToken)
    {
        var origin = Directory.CreateDirectory(Path.Combine(_root, "origin")).FullName;
        await GitAsync(origin, cancellationToken, "init", "--quiet", "--initial-branch=main");
        await File.WriteAllTextAsync(Path.Combine(origin, "README.md"), "hello\n", cancellationToken);
        await GitAsync(origin, cancellationToken, "add", "README.md");
        await GitAsync(origin, cancellationToken, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "--quiet", "-m", "initial");
        return origin;
    }

    private static async Task GitAsync(string directory, CancellationToken cancellationToken, params string[] arguments)
    {
        var result = await ChildProcess.RunAsync("git", arguments, directory, TimeSpan.FromSeconds(30), cancellationToken);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
