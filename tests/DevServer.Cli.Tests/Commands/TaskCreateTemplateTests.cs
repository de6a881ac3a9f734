using DevServer.Cli.Tests.Infrastructure;
using DevServer.Contracts.Tasks.V1;

namespace DevServer.Cli.Tests.Commands;

/// <summary>What <c>task create</c> sends for --template and the enqueue options, against a scripted peer.</summary>
public sealed class TaskCreateTemplateTests : ScriptedOrchestratorTest
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("--enqueue", true)]
    [InlineData("--no-enqueue", false)]
    public async Task TaskCreate_EnqueueOptions_UnsetUnlessGiven(string? option, bool? expected)
    {
        string[] args = ["task", "create", "--repo", "demo", "--title", "Queue me?"];

        var result = await RunAsync(option is null ? args : [.. args, option]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var request = Assert.IsType<CreateTaskRequest>(Assert.Single(Server.State.Received));
        Assert.Equal(expected is not null, request.HasEnqueue);
        Assert.Equal(expected ?? false, request.Enqueue);
    }

    [Fact]
    public async Task TaskCreate_TemplateWithoutRepo_SendsTheTemplateAndNoRepository()
    {
        var result = await RunAsync("task", "create", "--template", "bugfix", "--title", "From a preset");

        Assert.True(result.ExitCode == 0, result.ToString());
        var request = Assert.IsType<CreateTaskRequest>(Assert.Single(Server.State.Received));
        Assert.Equal(("bugfix", "", "From a preset"), (request.Template, request.Repository, request.Title));
        Assert.Equal("", request.Vendor);
    }
}
